"""Back up the database and the uploaded files into one .tar.gz (``make backup``).

    manage.py backup [--output var/backups/chengjiang-20250101-120000.tar.gz] [--no-media]

The archive holds:
- ``manifest.json``: format, database vendor, time, and the row count of every table;
- ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite3`` (SQLite, a consistent
  copy made with the online backup API, ``sqlite3.Connection.backup``, while the portal runs);
- ``media/…``: every uploaded file (attachments, evidence).

``manage.py restore FILE`` (``make restore FILE=…``) puts it back. The archive contains personal
data: keep it where the database itself is kept, readable by the operator only (it is written
with mode 0600).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

FORMAT = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


def vendor_of(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise CommandError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def pg_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (password never on argv)."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return args, env


def run(command: list[str], env=None) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    connection = connections[using]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def dump_database(target: Path, using: str = DEFAULT_DB_ALIAS) -> str:
    connection = connections[using]
    vendor = vendor_of(connection.settings_dict)
    if vendor == "postgresql":
        args, env = pg_args(connection.settings_dict)
        run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                *args,
                "--dbname",
                connection.settings_dict["NAME"],
            ],
            env=env,
        )
    else:
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    return vendor


def create_backup(
    output: Path | None = None, *, using: str = DEFAULT_DB_ALIAS, media: bool = True
) -> Path:
    """Write the archive; returns its path."""
    if output is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = Path(settings.BACKUP_DIR) / f"chengjiang-{stamp}.tar.gz"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="chengjiang-backup-") as tmp:
        vendor = vendor_of(connections[using].settings_dict)
        dump = Path(tmp) / DUMP_NAMES[vendor]
        counts = table_counts(using)
        dump_database(dump, using)
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "database": dump.name,
            "media": bool(media and media_root.is_dir()),
            "row_counts": counts,
        }
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            if manifest["media"]:
                tar.add(media_root, arcname="media")
        partial.replace(output)
    return output


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc, or SQLite's online backup) and the media files."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive path (.tar.gz).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-media", action="store_true", help="Leave uploaded files out.")

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, no_media=False, **options):
        if shutil.which("pg_dump") is None and vendor_of(connections[database].settings_dict) == (
            "postgresql"
        ):
            raise CommandError("pg_dump is not installed (apt install postgresql-client).")
        path = create_backup(output, using=database, media=not no_media)
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path}"))
