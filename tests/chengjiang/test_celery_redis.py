"""Issue 12: a job runs end to end on a real Celery worker with Redis as the broker — started by
the test in its own process, on this test worker's Redis database — reporting progress the
page's status endpoint shows, and failing without writing anything. Marked ``redis``: skipped
without Redis on a developer's machine, a failure in CI (which starts Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from branches.models import Village
from chengjiang.jobs.models import Job
from chengjiang.jobs.services import job_start
from tests.chengjiang import jobkinds
from tests.factories import UserFactory

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


WORKER_KEY_PREFIX = "celery-test"


@pytest.fixture
def on_redis(settings, redis_url):
    """This test process sends jobs to Redis and reads progress from the same Redis cache the
    worker writes to."""
    settings.JOBS_BACKEND = "celery"
    settings.CELERY_BROKER_URL = redis_url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": WORKER_KEY_PREFIX,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    from chengjiang.celery import app

    # tests/conftest.py gave the broker this worker's database before the app read it.
    assert app.conf.broker_url == redis_url
    return redis_url


@pytest.fixture
def worker(committed_db, on_redis, tmp_path, settings):
    redis_url = on_redis
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="chengjiang.settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=committed_db,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=WORKER_KEY_PREFIX,  # the worker's database name differs from ours
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DEBUG="1",
    )
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chengjiang",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--include=tests.chengjiang.jobkinds",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _follow(client, job, log, timeout=90):
    seen = []
    deadline = time.monotonic() + timeout
    url = reverse("jobs:status", kwargs={"pk": job.pk})
    while time.monotonic() < deadline:
        state = client.get(url).json()
        seen.append((state["status"], state["done"], state["total"]))
        if state["finished"]:
            return state, seen
        time.sleep(0.1)
    pytest.fail(f"the job did not finish; worker log:\n{log.read_text()[-3000:]}")


def test_a_job_runs_on_a_celery_worker_and_its_progress_moves(worker, client):
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    job = job_start(kind="test.count", params={"steps": 5, "pause": 0.4, "name": "队列村"}, by=user)
    state, seen = _follow(client, job, worker)
    assert state["status"] == "done", (state, worker.read_text()[-3000:])
    assert (state["done"], state["total"]) == (5, 5)
    counts = [done for status, done, _total in seen if status == "running"]
    assert counts == sorted(counts)
    assert len({d for d in counts if 0 < d < 5}) >= 2, seen  # the bar moved, step by step
    assert Village.objects.filter(name__startswith="队列村-").count() == 5
    download = client.get(state["download_url"])
    assert b"".join(download.streaming_content) == b"a,b\n1,2\n"


def test_a_failing_job_on_a_celery_worker_writes_nothing_and_says_why(worker, client):
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    job = job_start(kind="test.fail", params={"pause": 0.3, "name": "队列失败村"}, by=user)
    state, _seen = _follow(client, job, worker)
    assert state["status"] == "failed"
    assert state["message"] == jobkinds.MSG_TEST_REFUSED
    assert (state["done"], state["total"]) == (2, 3)
    assert not Village.objects.filter(name__startswith="队列失败村-").exists()
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_each_test_worker_has_its_own_redis_database():
    from tests.conftest import redis_url_for_worker

    base = "redis://127.0.0.1:6379/0"
    assert redis_url_for_worker(base, "gw0") == "redis://127.0.0.1:6379/1"
    assert redis_url_for_worker(base, "gw3") == "redis://127.0.0.1:6379/4"
    assert redis_url_for_worker(base, None) == "redis://127.0.0.1:6379/1"
    with pytest.raises(pytest.UsageError, match="gw15"):
        redis_url_for_worker(base, "gw15")
