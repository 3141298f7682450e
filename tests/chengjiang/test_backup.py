"""make backup / make restore: the database (pg_dump -Fc on PostgreSQL, SQLite's online backup
otherwise) and the uploaded files in one archive; restored into an empty database, every table
has the same number of rows, and every file is back byte for byte."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from branches.models import Meeting
from chengjiang.management.commands.backup import create_backup, table_counts
from chengjiang.management.commands.restore import restore_archive

from .trust_data import rich as rich_fixture

rich = rich_fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _members(archive) -> set[str]:
    with tarfile.open(archive) as tar:
        return set(tar.getnames())


@pytest.fixture
def archive(rich, tmp_path, settings):
    path = create_backup(tmp_path / "backups" / "b.tar.gz")
    return path


def test_archive_holds_manifest_dump_and_media(archive, rich):
    names = _members(archive)
    assert "manifest.json" in names
    assert {"database.sqlite3", "database.dump"} & names
    assert "media/" + rich.attachment.file.name in names
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data: operator only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["vendor"] == ("postgresql" if connection.vendor == "postgresql" else "sqlite")
    assert manifest["row_counts"]["branches_meeting"] == Meeting.objects.count() > 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup")
def test_sqlite_restore_into_an_empty_database(archive, rich, tmp_path, settings):
    expected = table_counts()
    target = tmp_path / "empty.sqlite3"
    restored_media = tmp_path / "restored-media"
    restore_archive(
        archive,
        settings_dict={"ENGINE": "django.db.backends.sqlite3", "NAME": str(target)},
        media_root=restored_media,
    )
    db = sqlite3.connect(target)
    try:
        counts = {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in expected
        }
    finally:
        db.close()
    assert counts == expected
    assert sum(expected.values()) > 0
    original = rich.attachment.file.path
    copy = restored_media / rich.attachment.file.name
    assert copy.read_bytes() == Path(original).read_bytes()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_restore_into_an_empty_database(archive, rich, tmp_path):
    import psycopg

    expected = table_counts()
    scratch = f"restore_{uuid.uuid4().hex[:12]}"
    params = connection.settings_dict
    conninfo = {
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
    }
    conninfo = {k: v for k, v in conninfo.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restore_archive(
            archive, settings_dict={**params, "NAME": scratch}, media_root=tmp_path / "m"
        )
        with psycopg.connect(dbname=scratch, **conninfo) as db:
            counts = {
                table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in expected
            }
        assert counts == expected
        assert (tmp_path / "m" / rich.attachment.file.name).is_file()
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_commands_back_up_and_restore_the_live_database(rich, tmp_path, settings):
    """make backup; records lost; make restore: everything is back (the live database)."""
    output = tmp_path / "live.tar.gz"
    call_command("backup", output=output, stdout=io.StringIO())
    expected = table_counts()
    Meeting.objects.filter(pk=rich.meeting.pk).delete()  # attendance and files rows go with it
    rich.attachment.file.storage.delete(rich.attachment.file.name)
    assert table_counts() != expected
    out = io.StringIO()
    call_command("restore", str(output), interactive=False, stdout=out, stderr=out)
    if connection.vendor == "postgresql":
        connection.close()
    assert table_counts() == expected
    assert Meeting.objects.filter(pk=rich.meeting.pk).exists()
    assert Path(rich.attachment.file.path).read_bytes().startswith(b"\x89PNG")


def test_restore_refuses_a_foreign_archive(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        data = b"not a dump"
        info = tarfile.TarInfo("database.sqlite3")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError):
        restore_archive(bogus)
    with pytest.raises(CommandError):
        restore_archive(tmp_path / "missing.tar.gz")


def test_restore_refuses_paths_outside_media(archive, tmp_path, settings):
    """A tampered archive cannot write outside MEDIA_ROOT."""
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        evil = tarfile.TarInfo("media/../../escaped.txt")
        evil.size = 4
        dst.addfile(evil, io.BytesIO(b"evil"))
    media = tmp_path / "media-target"
    target = tmp_path / "t.sqlite3"
    settings_dict = (
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(target)}
        if connection.vendor == "sqlite"
        else None
    )
    if settings_dict is None:
        pytest.skip("checked on SQLite (the media step is the same on both)")
    with pytest.raises(CommandError):
        restore_archive(tampered, settings_dict=settings_dict, media_root=media)
    assert not (tmp_path / "escaped.txt").exists()
