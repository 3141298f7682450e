"""A database that another connection — a thread or a Celery worker process — can share with the
test: the committed test database itself on PostgreSQL; on SQLite (an in-memory test database
no other process can open) a file copy that the test's own connection switches to until the end
of the test. Use with ``transactional_db``."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest
from django.db import connection


def _url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def _sqlite_memory_kept(django_db_setup, django_db_blocker):
    """Set up before the test database fixture and torn down after it: puts the test's
    in-memory connection (and its name) back once the test database fixture has flushed and
    closed the file copy, so the in-memory database — alive only while a connection holds it —
    is never lost."""
    if connection.vendor != "sqlite":
        yield
        return
    with django_db_blocker.unblock():
        connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    yield
    if connection.connection is not None and connection.connection is not memory:
        connection.connection.close()
    connection.settings_dict["NAME"] = name
    connection.connection = memory


@pytest.fixture
def committed_db(_sqlite_memory_kept, transactional_db, tmp_path):
    """The DATABASE_URL another process uses to see (and write) what this test sees. Ask for
    no other data fixture: rows made before the copy would stay in the in-memory database."""
    if connection.vendor == "postgresql":
        return _url(connection.settings_dict)
    path = tmp_path / "shared.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    connection.settings_dict["NAME"] = str(path)
    connection.connection = None  # the next query connects to the file
    return f"sqlite:///{path}"
