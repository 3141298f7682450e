"""Operations that must not bite: load_demo only where a demo belongs, no pre-restore figures
after a restore, and ``migrate`` on a fresh clone (no var/ yet)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tests.factories import UserFactory

from .subproc import child_env, run_manage
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


def test_migrate_works_without_var(tmp_path):
    database = tmp_path / "clone" / "var" / "db.sqlite3"  # neither clone/ nor var/ exists
    env = child_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    result = run_manage(["migrate", "--noinput", "-v", "0"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert database.is_file()
