"""Restore an archive made by ``manage.py backup`` (``make restore FILE=…``).

    manage.py restore var/backups/chengjiang-20250101-120000.tar.gz [--noinput] [--no-media]

The database is replaced by the archive's (PostgreSQL: ``pg_restore --clean --if-exists``
in one transaction; SQLite: the online backup API copies the saved file over the live one), then
the uploaded files are put back under MEDIA_ROOT (files not in the archive are left alone), and
every cache is cleared (no dashboard shows pre-restore figures; cached sessions end too). The
row counts are compared with those recorded at backup time. Restore into a database of the same
vendor as the backup.
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from .backup import DUMP_NAMES, FORMAT, MANIFEST, pg_args, run, table_counts, vendor_of


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError as exc:
        raise CommandError("Not a portal backup: manifest.json is missing.") from exc
    manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("vendor") not in DUMP_NAMES:
        raise CommandError("Unknown backup format.")
    return manifest


def restore_database(dump: Path, settings_dict: dict, *, connection=None) -> None:
    """Replace the database described by ``settings_dict`` with ``dump``.

    ``connection``: the live Django connection to that database, if any (closed first on
    PostgreSQL; used as the backup target on SQLite, which keeps in-memory databases working).
    """
    vendor = vendor_of(settings_dict)
    if vendor == "postgresql":
        if connection is not None:
            connection.close()
        args, env = pg_args(settings_dict)
        run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                "--dbname",
                settings_dict["NAME"],
                str(dump),
            ],
            env=env,
        )
        return
    source = sqlite3.connect(dump)
    try:
        if connection is not None:
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            target = sqlite3.connect(settings_dict["NAME"])
            try:
                source.backup(target)
            finally:
                target.close()
    finally:
        source.close()


def restore_media(tar: tarfile.TarFile, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    count = 0
    for member in tar.getmembers():
        if not member.name.startswith("media/") or not (member.isfile() or member.isdir()):
            continue
        relative = member.name[len("media/") :]
        if not relative:
            continue
        member = member.replace(name=relative)
        # The "data" filter refuses absolute paths, "..", links out of the tree and device files.
        try:
            tar.extract(member, media_root, filter="data")
        except tarfile.FilterError as exc:
            raise CommandError(f"Refused a file in the archive: {member.name} ({exc})") from exc
        count += member.isfile()
    return count


def restore_archive(
    archive: Path,
    *,
    using: str = DEFAULT_DB_ALIAS,
    settings_dict: dict | None = None,
    media: bool = True,
    media_root: Path | None = None,
) -> dict:
    """Restore ``archive``; returns its manifest. ``settings_dict`` targets another database."""
    archive = Path(archive)
    if not archive.is_file():
        raise CommandError(f"No such backup: {archive}")
    connection = None if settings_dict is not None else connections[using]
    target = settings_dict if settings_dict is not None else connection.settings_dict
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        if manifest["vendor"] != vendor_of(target):
            raise CommandError(
                f"The backup is of a {manifest['vendor']} database; "
                f"restore it into {manifest['vendor']}."
            )
        with tempfile.TemporaryDirectory(prefix="chengjiang-restore-") as tmp:
            tar.extract(tar.getmember(manifest["database"]), tmp, filter="data")
            restore_database(Path(tmp) / manifest["database"], target, connection=connection)
        if media and manifest.get("media"):
            restore_media(tar, Path(media_root or settings.MEDIA_ROOT))
    if settings_dict is None:
        drop_caches()
    return manifest


def drop_caches() -> None:
    """Forget every cached figure (and cached session): they describe the database as it was
    before the restore, and a raw database copy sends no signal that would invalidate them."""
    for alias in settings.CACHES:
        caches[alias].clear()


class Command(BaseCommand):
    help = "Restore the database and media files from an archive made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-media", action="store_true")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, archive, database, no_media=False, interactive=True, **options):
        name = connections[database].settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in database {name!r} with {archive}. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        manifest = restore_archive(archive, using=database, media=not no_media)
        counts = table_counts(database)
        differing = {
            table: (expected, counts.get(table))
            for table, expected in manifest["row_counts"].items()
            if counts.get(table) != expected
        }
        for table, (expected, found) in sorted(differing.items()):
            self.stderr.write(f"{table}: {found} rows, {expected} at backup time")
        if differing:
            self.stderr.write(
                self.style.WARNING(
                    "Row counts differ from the manifest (writes during the backup?)."
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {archive} into {name}."))
