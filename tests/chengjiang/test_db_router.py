"""Issue 12: dashboards, reports and exports read from the read replica; every write goes to the
primary. In tests both aliases point at one server (the replica alias mirrors the test
database), so what is checked is where each query is sent."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Village
from chengjiang.db_router import PRIMARY, REPLICA, ReplicaRouter, read_from_replica
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_on(settings):
    settings.REPLICA_READS = True


def test_reads_in_the_block_go_to_the_replica_writes_to_the_primary(replica_on):
    router = ReplicaRouter()
    assert router.db_for_read(Village) == PRIMARY
    with read_from_replica():
        assert router.db_for_read(Village) == REPLICA
        assert router.db_for_write(Village) == PRIMARY
        with transaction.atomic():
            # a transaction on the primary reads its own writes
            assert router.db_for_read(Village) == PRIMARY
    assert router.db_for_read(Village) == PRIMARY


def test_without_a_replica_everything_goes_to_the_primary(settings):
    settings.REPLICA_READS = False
    with read_from_replica():
        assert ReplicaRouter().db_for_read(Village) == PRIMARY


def test_sessions_and_users_stay_on_the_primary(replica_on):
    from django.contrib.sessions.models import Session

    from chengjiang.accounts.models import User

    with read_from_replica():
        assert ReplicaRouter().db_for_read(Session) == PRIMARY
        assert ReplicaRouter().db_for_read(User) == PRIMARY


def test_a_write_inside_the_block_goes_to_the_primary(replica_on):
    with (
        read_from_replica(),
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        Village.objects.create(name="路由村")
        assert Village.objects.filter(name="路由村").count() == 1
    assert any("INSERT" in q["sql"] for q in primary.captured_queries)
    assert not any("INSERT" in q["sql"] for q in replica.captured_queries)
    assert any("路由村" in q["sql"] or "COUNT" in q["sql"] for q in replica.captured_queries)


@pytest.mark.parametrize("view", ["worktasks:dashboard", "worktasks:report_current"])
def test_dashboard_and_report_read_from_the_replica(replica_on, client, view):
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(reverse(view))
    assert response.status_code == 200
    domain = ("worktasks_", "branches_")
    assert any(t in q["sql"] for q in replica.captured_queries for t in domain)
    assert not any(t in q["sql"] for q in primary.captured_queries for t in domain)
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in replica.captured_queries
    )


def test_other_pages_read_from_the_primary(replica_on, client):
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        assert client.get(reverse("branches:meeting_list")).status_code == 200
    assert not replica.captured_queries


def test_pgbouncer_settings(monkeypatch):
    """PGBOUNCER=1: no server-side cursors, no prepared statements (transaction pooling)."""
    from tests.chengjiang.subproc import child_env, run_python

    code = (
        "from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'], "
        "d['CONN_MAX_AGE'], s.DATABASES['replica']['OPTIONS']['prepare_threshold'])"
    )
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(
            Path(tmp),
            DATABASE_URL="postgres://u@db.example/portal",
            DATABASE_REPLICA_URL="postgres://u@replica.example/portal",
            PGBOUNCER="1",
            CONN_MAX_AGE="60",
        )
        result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None", "60", "None"]
