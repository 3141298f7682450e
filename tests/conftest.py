"""Shared fixtures: a small tree of two villages and one user per role and scope."""

import datetime
import os
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from chengjiang.accounts import roles
from tests.factories import MemberFactory, OrganizationFactory, UserFactory, VillageFactory
from tests.replay import replay
from tests.replay import start_test as replay_start_test

Kind = OrganizationFactory._meta.model.Kind
PASSWORD = "Test-pass-12345"


# Tests hash passwords with a fast hasher: the production PBKDF2 cost (settings.py, unchanged)
# made hashing about 640 s of CPU per run. test_passwords.py checks production's own list.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Redis: one database number per test worker --------------------------------------------------
# Parallel workers (xdist gw0, gw1, …) that use Redis each get their own database number (gwN →
# N + 1; a run without xdist uses 1), so one worker never reads, or flushes, another's cache,
# sessions or queued jobs. With REDIS_URL set the whole suite runs its cache and sessions on
# Redis that way; without it, the Redis tests (marked ``redis``) use REDIS_TEST_URL's server.
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
REDIS_DATABASES = 16  # redis.conf's default "databases"


def redis_url_for_worker(base: str, worker: str | None) -> str:
    """``base`` with the database number of test worker ``worker`` ("gw3" → /4)."""
    number = 1
    if worker and worker.startswith("gw") and worker[2:].isdigit():
        number = int(worker[2:]) + 1
    if number >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"test worker {worker} needs Redis database {number}: raise redis.conf's databases"
        )
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{number}"))


def worker_redis_url() -> str:
    from django.conf import settings

    return redis_url_for_worker(
        settings.REDIS_URL or REDIS_TEST_URL, os.environ.get("PYTEST_XDIST_WORKER")
    )


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_configure(config):
    """Point this worker's cache, sessions and job broker at its own Redis database (before any
    of them is used), and empty that database: a previous run's cached figures must not match."""
    from django.conf import settings

    url = worker_redis_url()
    settings.CELERY_BROKER_URL = url
    if settings.REDIS_URL:
        settings.REDIS_URL = url
        settings.CACHES["default"]["LOCATION"] = url
        if redis_available(url):
            import redis

            redis.Redis.from_url(url).flushdb()


@pytest.fixture
def redis_url():
    """This worker's Redis database, emptied (tests marked ``redis``)."""
    import redis

    url = worker_redis_url()
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chinese():
    """The office's language for the test (import headers, messages and labels read as shown);
    a module opts in with ``pytestmark = pytest.mark.usefixtures("chinese")``."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def tree(db):
    """街道党工委 → 花园村党委 (A) → A 第一支部 → A 第一党小组; → 青桥村总支 (B) → B 第一支部.

    Built through the factories and services the first time; its rows put back after
    (``tests/replay.py``)."""
    return replay("tree", _build_tree)


def _build_tree():
    old = datetime.date(2010, 1, 1)
    va = VillageFactory(name="花园村")
    vb = VillageFactory(name="青桥村")
    root = OrganizationFactory(name="街道党工委", kind=Kind.WORKING_COMMITTEE, established_on=old)
    office_branch = OrganizationFactory(name="机关党支部", kind=Kind.BRANCH, parent=root)
    a = OrganizationFactory(name="花园村党委", kind=Kind.PARTY_COMMITTEE, parent=root, village=va)
    a1 = OrganizationFactory(name="花园村第一党支部", kind=Kind.BRANCH, parent=a, village=va)
    a1g = OrganizationFactory(name="花园村第一党小组", kind=Kind.GROUP, parent=a1, village=va)
    b = OrganizationFactory(name="青桥村总支", kind=Kind.GENERAL_BRANCH, parent=root, village=vb)
    b1 = OrganizationFactory(name="青桥村第一党支部", kind=Kind.BRANCH, parent=b, village=vb)
    a_members = [MemberFactory(branch=a1, group=a1g if i < 3 else None) for i in range(5)]
    b_members = [MemberFactory(branch=b1) for _ in range(4)]
    return SimpleNamespace(
        va=va,
        vb=vb,
        root=root,
        office_branch=office_branch,
        a=a,
        a1=a1,
        a1g=a1g,
        b=b,
        b1=b1,
        a_members=a_members,
        b_members=b_members,
    )


@pytest.fixture
def users(tree):
    """One user per role: the office and leadership at the root, a secretary for A and for B."""
    return replay("users", lambda: _build_users(tree), tree)


def _build_users(tree):
    return SimpleNamespace(
        office=UserFactory(
            username="office", organization=tree.root, is_staff=True, role=roles.OFFICE
        ),
        sec_a=UserFactory(username="sec_a", organization=tree.a, role=roles.SECRETARY),
        sec_b=UserFactory(username="sec_b", organization=tree.b, role=roles.SECRETARY),
        leader=UserFactory(username="leader", organization=tree.root, role=roles.LEADERSHIP),
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


class _SharedDemo:
    """The demo, loaded at most once per worker while consecutive tests ask for it.

    It lives in an outer transaction that is rolled back as soon as a test that does not use it
    runs (or the session ends), so no other test ever sees the demo's rows. Demo modules are
    collected first (``pytest_collection_modifyitems``), so each worker loads it once.
    """

    def __init__(self):
        self.outer = None
        self.blocker = None

    def open(self, blocker):
        if self.outer is not None:
            return
        from django.db import transaction

        from tests import demo_snapshot

        self.blocker = blocker
        with blocker.unblock():
            self.outer = transaction.atomic()
            self.outer.__enter__()
            try:
                demo_snapshot.load_demo_and_keep()  # the browser journeys start from it too
            except BaseException:
                self.close()
                raise

    def close(self):
        if self.outer is None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            transaction.set_rollback(True)
            outer, self.outer = self.outer, None
            outer.__exit__(None, None, None)


_SHARED_DEMO = _SharedDemo()
DEMO_FIXTURES = {"demo_db", "_demo_module"}


def demo_groups(workers: int) -> int:
    """How many groups share the demo's tests and the browser journeys.

    Each group's worker loads the demo (about 12 s; 20 s on a busy machine), and the journeys
    start from that worker's copy. On the two-core machines of `make test` and CI, one group
    (the demo's tests, then the journeys: about 40 % of the suite) beside the other worker's
    modules loads it once; with more workers, one group per two workers keeps the groups from
    becoming the run's longest path."""
    return max(1, workers // 2)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """The demo's tests first, then the browser journeys, in ``demo_groups`` groups; every other
    test in its module's group (``make test`` runs ``--dist loadgroup``).

    A worker loads the shared demo when its first demo test starts and rolls it back when a test
    without the demo runs, so demo tests must run back to back: a module that mixes both would
    otherwise make each worker load it again (once per such module, about 5 s each). Modules
    stay whole within a group, so their module-scoped fixtures are built once.

    The browser journeys follow the first group's demo tests on the same worker, which puts the
    demo back from its snapshot instead of loading it, beside the other worker's tests; the run
    ends on small modules that fill both workers. (Run side by side at the end, two browsers and
    two live servers on two cores took half as long again.)"""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    groups = demo_groups(workers)
    demo = [item for item in items if DEMO_FIXTURES & set(item.fixturenames)]
    browser = [item for item in items if item.get_closest_marker("e2e") and item not in demo]
    others = [
        item
        for item in items
        if not DEMO_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("e2e")
    ]
    modules = list(dict.fromkeys(item.module.__name__ for item in demo))
    per_group = -(-len(demo) // groups) if demo else 0
    group_of, seen = {}, 0
    for module in modules:
        group_of[module] = f"demo{min(seen // per_group, groups - 1)}"
        seen += sum(1 for item in demo if item.module.__name__ == module)
    for item in demo:
        item.add_marker(pytest.mark.xdist_group(group_of[item.module.__name__]))
    for item in browser:
        item.add_marker(pytest.mark.xdist_group("demo0"))
    for item in others:
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    items[:] = demo + browser + others


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of a test: a test that does not use the demo never sees it (the shared
    demo is rolled back first); a demo test after such a test gets it back. Both happen outside
    the test's own transaction, which pytest-django opens later."""
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (CI runs the suite on both databases)")
    if item.get_closest_marker("redis") and not redis_available(worker_redis_url()):
        if os.environ.get("CI") or os.environ.get("REDIS_REQUIRED"):
            pytest.fail(f"Redis is required here and does not answer at {worker_redis_url()}")
        pytest.skip("Redis does not answer (CI starts it; REDIS_REQUIRED=1 fails instead)")
    if not DEMO_FIXTURES & set(item.fixturenames):
        _SHARED_DEMO.close()
    elif _SHARED_DEMO.blocker is not None:
        _SHARED_DEMO.open(_SHARED_DEMO.blocker)
    replay_start_test()


@pytest.fixture(scope="session")
def _demo_session(django_db_setup, django_db_blocker):
    yield _SHARED_DEMO
    _SHARED_DEMO.close()


@pytest.fixture(scope="module")
def _demo_module(_demo_session, django_db_blocker):
    """The shared demo: loaded by the first demo test of a worker (module scope, so before the
    test's own transaction)."""
    _demo_session.open(django_db_blocker)


@pytest.fixture
def demo_db(_demo_module, db):
    """The demo's records for one test (its own changes are rolled back after it)."""
    return None
