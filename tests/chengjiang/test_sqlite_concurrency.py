"""Issue 14: the embedded default (SQLite) serves a small office's concurrent users without errors.

Simultaneous approvals answered 500 "database is locked", and others got errors while a long
import ran. The settings' own SQLite options (WAL, a busy timeout, write transactions that take
the lock up front) are tested here with threads, each with its own connection, against a
file-based copy of the test database (not in-memory), and the waits are measured.
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time

import pytest
from django.db import connection, connections, transaction

from branches import services
from branches.models import Meeting, MeetingKind, Status

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded default: SQLite only"
)

APPROVERS = 6
MEETINGS_EACH = 4
READERS = 3
IMPORT_SECONDS = 1.0


def test_settings_choose_wal_busy_timeout_and_immediate_transactions(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20
    pragmas = options["init_command"].lower()
    assert "journal_mode=wal" in pragmas


@pytest.fixture
def file_db(tmp_path, monkeypatch):
    """Copy the (committed) test database into a file; new threads connect to that file with the
    options settings.py gives SQLite."""

    def copy():
        path = tmp_path / "office.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        monkeypatch.setitem(
            connections.settings, "default", {**connections.settings["default"], "NAME": str(path)}
        )
        return path

    return copy


def _run(target, errors, timings, label):
    def run():
        try:
            started = time.perf_counter()
            target()
            timings.append((label, time.perf_counter() - started))
        except Exception as exc:
            errors.append(f"{label}: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_simultaneous_approvals_and_reads_during_a_long_import(
    transactional_db, tree, users, file_db, client
):
    meetings = [
        Meeting.objects.create(
            kind=MeetingKind.BRANCH_COMMITTEE,
            organization=tree.a1,
            held_on="2024-03-10",
            topic=f"并发审核 {i}",
            status=Status.SUBMITTED,
        )
        for i in range(APPROVERS * MEETINGS_EACH)
    ]
    path = file_db()
    errors: list[str] = []
    timings: list[tuple[str, float]] = []
    start = threading.Barrier(APPROVERS + READERS + 1)
    import_holds_lock = threading.Event()

    def long_import():
        """An import that writes for a while inside one transaction."""
        start.wait(10)
        with transaction.atomic():
            Meeting.objects.filter(pk=meetings[0].pk).update(place="导入中")
            import_holds_lock.set()
            deadline = time.perf_counter() + IMPORT_SECONDS
            while time.perf_counter() < deadline:
                Meeting.objects.filter(pk=meetings[0].pk).update(minutes=str(time.perf_counter()))
                time.sleep(0.05)

    def approver(k):
        def work():
            start.wait(10)
            import_holds_lock.wait(10)
            for meeting in meetings[k::APPROVERS]:
                services.meeting_approve(meeting=meeting, by=users.office)

        return work

    def reader():
        start.wait(10)
        import_holds_lock.wait(10)
        for _ in range(5):
            started = time.perf_counter()
            assert Meeting.objects.filter(status=Status.SUBMITTED).count() >= 0
            list(Meeting.objects.select_related("organization")[:20])
            timings.append(("read", time.perf_counter() - started))

    threads = [_run(long_import, errors, timings, "import")]
    threads += [_run(approver(k), errors, timings, f"approver {k}") for k in range(APPROVERS)]
    threads += [_run(reader, errors, timings, f"reader {k}") for k in range(READERS)]
    for t in threads:
        t.join(60)

    reads = [s for label, s in timings if label == "read"]
    approvals = [s for label, s in timings if label.startswith("approver")]
    print(
        f"\nSQLite {path.name}: {len(errors)} errors; reads during the import: "
        f"max {max(reads, default=0):.3f}s median {statistics.median(reads or [0]):.3f}s; "
        f"approvers finished in max {max(approvals, default=0):.3f}s"
    )
    assert not errors, "\n".join(errors)
    # Nobody waited anywhere near the busy timeout (a shared CI machine makes finer bounds flaky;
    # the measured figures are printed above: reads took milliseconds during the import).
    assert max(reads) < 5
    assert max(approvals) < 15
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        approved = check.execute(
            "SELECT count(*) FROM branches_meeting WHERE status = 'approved'"
        ).fetchone()[0]
    assert approved == len(meetings)
