"""Operations that must not bite: load_demo only where a demo belongs, no pre-restore figures
after a restore, and ``migrate`` on a fresh clone (no var/ yet)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tests.factories import UserFactory

from .subproc import child_env, run_manage, run_python
from .trust_data import rich as rich_fixture

rich = rich_fixture


@pytest.mark.django_db
def test_load_demo_refuses_with_debug_off(settings):
    from branches.models import Village

    settings.DEBUG = False
    settings.TESTING = False
    before = Village.objects.count()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=io.StringIO())
    assert Village.objects.count() == before


@pytest.mark.django_db
def test_load_demo_refuses_a_database_with_records_of_its_own(settings):
    from django.contrib.auth import get_user_model

    from branches.models import Village

    settings.DEBUG = True
    UserFactory(username="zhangsan")  # a real account: this is not a demo database
    before = Village.objects.count()
    with pytest.raises(CommandError, match="zhangsan"):
        call_command("load_demo", stdout=io.StringIO())
    assert Village.objects.count() == before
    assert not get_user_model().objects.filter(username="office").exists()


@pytest.mark.django_db
def test_make_run_leaves_a_database_of_its_own_alone(settings):
    from branches.models import Village

    settings.DEBUG = True
    UserFactory(username="zhangsan")
    before = Village.objects.count()
    out = io.StringIO()
    call_command("load_demo", "--if-demo", stdout=out)  # `make run`: no error, nothing loaded
    assert "zhangsan" in out.getvalue()
    assert Village.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_restore_drops_cached_figures(rich, tmp_path):
    output = tmp_path / "b.tar.gz"
    call_command("backup", output=output, stdout=io.StringIO())
    cache.set("worktasks:data-version", 12345, timeout=None)
    cache.set("worktasks:progress:anything", "pre-restore figures", timeout=None)
    out = io.StringIO()
    call_command("restore", str(output), interactive=False, stdout=out, stderr=out)
    assert cache.get("worktasks:progress:anything") is None
    assert cache.get("worktasks:data-version") != 12345


@pytest.fixture(scope="module")
def migrated_clone(tmp_path_factory):
    """``manage.py migrate`` run as on a fresh clone: the database under a var/ that does not
    exist yet. Once per module; the tests that need a migrated embedded database copy it."""
    root = tmp_path_factory.mktemp("fresh")
    database = root / "clone" / "var" / "db.sqlite3"  # neither clone/ nor var/ exists
    env = child_env(root, DATABASE_URL=f"sqlite:///{database}")
    return database, run_manage(["migrate", "--noinput", "-v", "0"], env)


def _copy_of(migrated_clone, target: Path) -> Path:
    database, result = migrated_clone
    assert result.returncode == 0, result.stderr[-2000:]
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if (source := database.with_name(database.name + suffix)).exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return target


def test_migrate_works_without_var(migrated_clone):
    database, result = migrated_clone
    assert result.returncode == 0, result.stderr[-2000:]
    assert database.is_file()


def test_embedded_pages_answer_while_a_long_import_holds_the_write_lock(migrated_clone, tmp_path):
    """The embedded SQLite database has one writer at a time, and a long import job holds it
    for its whole transaction. A session saved on every request waited for it (the progress
    bar's polls and every page stalled, then failed with "database is locked"): sessions of the
    embedded default live in files under var/, so a request writes nothing to the database."""
    database = _copy_of(migrated_clone, tmp_path / "var" / "db.sqlite3")
    env = child_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{database}",
        SQLITE_TIMEOUT="2",
        DEBUG="1",
        BEHIND_HTTPS="0",
    )
    code = f"""
import sqlite3, time, django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.create_user("office", password="Long-enough-pass-1")
client = Client()
client.force_login(user)
lock = sqlite3.connect({str(database)!r}, timeout=0, isolation_level=None)
lock.execute("BEGIN IMMEDIATE")  # as a running import's transaction does
started = time.perf_counter()
response = client.get("/jobs/", secure=True)
waited = time.perf_counter() - started
lock.execute("ROLLBACK")
print(settings.SESSION_ENGINE, response.status_code, round(waited, 2))
assert response.status_code == 200, response.status_code
assert waited < 1.5, waited
"""
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-500:]


def test_cached_figures_are_kept_apart_per_database(tmp_path):
    """The file cache under var/ (and one Redis) served one database's cached dashboard to
    another database run from the same checkout."""
    code = "from django.conf import settings as s; print(s.CACHES['default']['KEY_PREFIX'])"
    prefixes = set()
    for url in ("sqlite:////tmp/a.sqlite3", "sqlite:////tmp/b.sqlite3", "postgres://u@h:5432/x"):
        result = run_python(code, child_env(tmp_path, DATABASE_URL=url))
        assert result.returncode == 0, result.stderr[-2000:]
        prefixes.add(result.stdout.strip().splitlines()[-1])
    assert len(prefixes) == 3 and "" not in prefixes
