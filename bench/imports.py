"""Import and export at scale (issue 12, goals 4 and 5), on the bench's scratch database.

For members and meetings, as csv and as xlsx, ``ROWS`` generated rows (names, organisations and
attendees taken from the database, so every row is good) are imported by
``chengjiang.bulkimport.import_rows`` as ``scale_office`` and rolled back. Each import runs in a
child process (``python bench/imports.py --child …``) so that its peak memory (``VmHWM`` of
that process: interpreter, Django and the import together) is its own. In the same run, in this
process, the same rows go through

* django-import-export with its default settings (a plain ``ModelResource`` of the model; it is
  slow, so it gets a sample of ``SAMPLE`` rows, and its rows/s is what the ratio uses), and
* a bare ``bulk_create`` of the same rows (objects built from already-resolved values; for
  meetings with their attendance lines), rolled back — run in the import's child process right
  after the import, so that both see the same machine (a shared machine's load moves both).
  That baseline writes with INSERTs; the import writes with COPY on PostgreSQL, so the line also
  shows a bare COPY of the same objects (``bulkimport.insert``, no checks, no audit entries):
  the fastest these tables take these rows, for reading the goal's share honestly.

Then a streamed export of every meeting (csv and xlsx) is read to the end, with its peak
memory measured the same way. Standalone: ``python bench/imports.py --size small`` makes its own
scratch database with a small tree; ``bench/run.py`` calls ``measure`` on its own.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = {"full": 100_000, "small": 20_000, "tiny": 2_000}
SAMPLE = {"full": 2_000, "small": 1_000, "tiny": 300}
RATE_GOAL, IIE_GOAL, BULK_GOAL, PEAK_MB_GOAL = 5_000, 9.0, 0.40, 300

MEMBER_HEADERS = ["姓名", "性别", "出生日期", "身份证号码", "手机号码", "学历", "党员类别"]
MEMBER_HEADERS += ["入党日期", "党支部", "党小组"]
# every column MeetingResource reads (issue 11 §3: 记录人, 请假 with the reason, 缺席, 列席,
# 民主评议)
MEETING_HEADERS = ["所属党组织", "类型", "日期", "地点", "主持人", "记录人", "主题", "会议记录"]
MEETING_HEADERS += ["出席人员", "请假人员（姓名：事由）", "缺席人员", "列席人员"]
MEETING_HEADERS += ["民主评议（姓名：等次）", "状态"]
MEETING_KINDS = {
    "branch_committee": "支部委员会",
    "org_life": "组织生活会",
    "theme_day": "主题党日",
}


# --- the rows -----------------------------------------------------------------------------------


def unique_orgs(kinds):
    from collections import Counter

    from branches.models import Organization

    orgs = list(Organization.objects.filter(dissolved_on=None))
    counts = Counter(o.name for o in orgs)
    return [o for o in orgs if counts[o.name] == 1 and o.kind in kinds]


def member_rows(n: int) -> list[dict]:
    """Good member rows: unique valid ID numbers no one holds, branches named uniquely."""
    from branches.models import Member, Organization
    from chengjiang.personal_data import id_check_digit

    K = Organization.Kind
    branches = unique_orgs({K.BRANCH})  # a member belongs to a 党支部, never to a 党委 or 总支
    groups = {}
    for g in Organization.objects.filter(kind=K.GROUP, parent__in=branches).order_by("pk"):
        groups.setdefault(g.parent_id, g)
    taken = set(Member.objects.values_list("id_number", flat=True))
    rows, serial = [], 0
    for i in range(n):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=i % 18000)
        while True:
            serial += 1
            first17 = f"5{serial // 1000 % 100000:05d}{birth:%Y%m%d}{serial % 1000:03d}"
            number = first17 + id_check_digit(first17)
            if number not in taken:
                break
        branch = branches[i % len(branches)]
        group = groups.get(branch.pk) if i % 3 == 0 else None
        rows.append(
            {
                "name": f"导入党员{i}",
                "gender": "M" if i % 2 else "F",
                "birth_date": birth,
                "id_number": number,
                "phone": f"139{i % 100_000_000:08d}",
                "education": "bachelor",
                "category": "formal",
                # joined at 20 or later, and not after the benchmark's fixed latest date
                "joined_on": min(
                    datetime.date(birth.year + 20, birth.month, min(birth.day, 28))
                    + datetime.timedelta(days=i % 3000),
                    datetime.date(2024, 6, 30),
                ),
                "branch": branch,
                "group": group,
            }
        )
    return rows


def meeting_rows(n: int) -> list[dict]:
    """Good meeting rows of uniquely named branches, 支部委员会, 组织生活会 (with 民主评议) and
    主题党日 in turn (应到: the committee, the members), with 主持人, 记录人, present, on leave
    and absent members whose names are unique within the branch, and 列席."""
    from collections import Counter

    from branches.models import Member, Organization

    K = Organization.Kind
    branches = unique_orgs({K.BRANCH, K.GENERAL_BRANCH, K.PARTY_COMMITTEE})
    people = {}
    for org in branches:
        everyone = Member.objects.of_organization(org)
        counts = Counter(everyone.values_list("name", flat=True))
        members = list(everyone.order_by("pk")[:40])
        people[org.pk] = [m for m in members if counts[m.name] == 1][:8]
    branches = [b for b in branches if len(people[b.pk]) >= 2]
    rows = []
    branches = [b for b in branches if len(people[b.pk]) >= 3]
    kinds = list(MEETING_KINDS)
    for i in range(n):
        org = branches[i % len(branches)]
        members = people[org.pk]
        kind = kinds[i % len(kinds)]
        present = members[:-2]
        rows.append(
            {
                "organization": org,
                "kind": kind,
                "held_on": datetime.date(2023, 1, 1) + datetime.timedelta(days=i % 600),
                "place": "党群服务中心",
                "host": members[0],
                "recorder": members[1],
                "topic": f"导入会议{i}",
                "minutes": "学习传达上级会议精神。",
                "present": present,
                "leave": members[-2:-1],
                "absent": members[-1:],
                "observers": "街道联络员",
                "ratings": present if kind == "org_life" else [],
                "status": "draft",
            }
        )
    return rows


def member_cells(r) -> list:
    return [
        r["name"],
        "男" if r["gender"] == "M" else "女",
        r["birth_date"],
        r["id_number"],
        r["phone"],
        "本科",
        "正式党员",
        r["joined_on"],
        r["branch"].name,
        r["group"].name if r["group"] else "",
    ]


def meeting_cells(r) -> list:
    return [
        r["organization"].name,
        MEETING_KINDS[r["kind"]],
        r["held_on"],
        r["place"],
        r["host"].name,
        r["recorder"].name,
        r["topic"],
        r["minutes"],
        "、".join(m.name for m in r["present"]),
        "；".join(f"{m.name}：病假" for m in r["leave"]),
        "、".join(m.name for m in r["absent"]),
        r["observers"],
        "；".join(f"{m.name}：合格" for m in r["ratings"]),
        "草稿",
    ]


def write_file(path: Path, headers, rows, cells) -> None:
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            for r in rows:
                writer.writerow(
                    [v.isoformat() if isinstance(v, datetime.date) else v for v in cells(r)]
                )
        return
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for r in rows:
        sheet.append(cells(r))
    book.save(path)


# --- the measurements ---------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss, which a
    child started by this bench would inherit from it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, path: str) -> None:
    """Run in a fresh process: import the file and roll back; then, in the same process right
    after, a bare bulk_create of the same rows (rolled back). Print seconds, rows, peak MB."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from branches.resources import MeetingResource, MemberResource
    from chengjiang.bulkimport import import_rows

    office = get_user_model().objects.get(username="scale_office")
    res = MemberResource if kind == "members" else MeetingResource
    start = time.perf_counter()
    with transaction.atomic():
        result = import_rows(res, path, by=office, dry_run=False)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    peak = peak_mb()
    rows = (member_rows if kind == "members" else meeting_rows)(result.total)
    bulk = bulk_create_rate(kind, rows)
    copied = bulk_create_rate(kind, rows, copy=True)
    print(
        json.dumps(
            {
                "bulk_create": bulk,
                "copy": copied,
                "seconds": seconds,
                "rows": result.total,
                "new": result.counts["new"],
                "errors": result.lines()[:3],
                "audit": result.audit_entries,
                "peak_mb": peak,
            }
        )
    )


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def iie_default_rate(kind: str, rows: list[dict]) -> float:
    """django-import-export with its default settings, rows/s (rolled back)."""
    import tablib
    from django.db import transaction
    from import_export import resources

    from branches.models import Meeting, Member

    model = Member if kind == "members" else Meeting

    Plain = type("Plain", (resources.ModelResource,), {"Meta": type("Meta", (), {"model": model})})
    if kind == "members":
        headers = list(rows[0])
        values = [
            [r[h].pk if h in ("branch", "group") and r[h] else r[h] for h in headers] for r in rows
        ]
    else:
        headers = ["organization", "kind", "held_on", "place", "topic", "minutes", "status"]
        values = [[r[h].pk if h == "organization" else r[h] for h in headers] for r in rows]
    data = tablib.Dataset(*values, headers=headers)
    start = time.perf_counter()
    with transaction.atomic():
        result = Plain().import_data(data, dry_run=False)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"import-export baseline refused its rows: {result.totals}")
    return len(rows) / seconds


def bulk_create_rate(kind: str, rows: list[dict], *, copy: bool = False) -> float:
    """A bare bulk_create of the same rows (objects from resolved values), rows/s. With
    ``copy``: the same objects written by the import's own writer (``bulkimport.insert``: COPY
    on PostgreSQL), the fastest the tables take these rows — shown beside the goal's baseline,
    since the import writes with COPY and a bulk_create of INSERTs is slower than that."""
    from django.db import transaction

    from branches.models import Attendance, DemocraticAppraisal, Meeting, Member
    from chengjiang import bulkimport

    def write(model, objs):
        if copy:
            bulkimport.insert(model, objs)
            return objs
        return model.objects.bulk_create(objs, batch_size=2000)

    start = time.perf_counter()
    with transaction.atomic():
        if kind == "members":
            write(Member, [Member(**r) for r in rows])
        else:
            keys = ("organization", "kind", "held_on", "place", "host", "recorder", "topic")
            keys += ("minutes", "observers", "status")
            meetings = write(Meeting, [Meeting(**{k: r[k] for k in keys}) for r in rows])
            S = Attendance.Status
            write(
                Attendance,
                [
                    Attendance(meeting=m, member=p, status=status, absence_reason=reason)
                    for m, r in zip(meetings, rows, strict=True)
                    for group, status, reason in (
                        (r["present"], S.PRESENT, ""),
                        (r["leave"], S.LEAVE, "病假"),
                        (r["absent"], S.ABSENT, ""),
                    )
                    for p in group
                ],
            )
            write(
                DemocraticAppraisal,
                [
                    DemocraticAppraisal(meeting=m, member=p, rating="qualified")
                    for m, r in zip(meetings, rows, strict=True)
                    for p in r["ratings"]
                ],
            )
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return len(rows) / seconds


def export_child(spec: str) -> None:
    """Run in a fresh process: stream the first ``count`` meetings out, read the response to
    the end, print seconds, bytes and peak MB."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from branches.models import Meeting
    from branches.resources import MeetingResource
    from chengjiang.streamexport import stream_export

    fmt, count = spec.split(":")
    office = get_user_model().objects.get(username="scale_office")
    last = Meeting.objects.order_by("pk").values_list("pk", flat=True)[int(count) - 1]
    start = time.perf_counter()
    queryset = Meeting.objects.filter(pk__lte=last)
    response = stream_export(MeetingResource(user=office), queryset, fmt=fmt)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    print(json.dumps({"seconds": seconds, "bytes": size, "peak_mb": peak, "rows": int(count)}))


def measure(size: str) -> list[tuple]:
    """Every import and export figure, as rows for bench/run.py's table:
    (figure, measured, goal, ratio, ok)."""
    from branches.models import Meeting

    n, sample = ROWS[size], SAMPLE[size]
    table = []
    print(f"\nimports: {n} rows per file as scale_office (django-import-export sample {sample})")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, make, headers, cells in (
            ("members", member_rows, MEMBER_HEADERS, member_cells),
            ("meetings", meeting_rows, MEETING_HEADERS, meeting_cells),
        ):
            rows = make(n)
            iie = iie_default_rate(kind, rows[:sample])
            for fmt in ("csv", "xlsx"):
                path = Path(tmp) / f"{kind}.{fmt}"
                write_file(path, headers, rows, cells)
                got = run_child(kind, str(path))
                if got["errors"] or got["new"] != n:
                    raise SystemExit(f"import_{kind}_{fmt} refused good rows: {got}")
                rate, bulk = got["rows"] / got["seconds"], got["bulk_create"]
                print(
                    f"  import_{kind}_{fmt:<5} {rate:>8.0f} rows/s  ({got['seconds']:.1f} s, "
                    f"peak {got['peak_mb']:.0f} MB, {got['audit']} audit entries); "
                    f"import-export defaults {iie:.0f} rows/s, bulk_create {bulk:.0f} rows/s "
                    f"(bare COPY of the same rows {got['copy']:.0f} rows/s: the import at "
                    f"{rate / got['copy']:.0%} of it)"
                )
                name = f"import_{kind}_{fmt}"
                table += [
                    (f"{name}: rows/s", f"{rate:.0f}", f"≥ {RATE_GOAL}", "", rate >= RATE_GOAL),
                    (
                        f"{name}: × import-export defaults",
                        f"{rate / iie:.1f}×",
                        f"≥ {IIE_GOAL:.0f}×",
                        f"{iie:.0f}/s",
                        rate / iie >= IIE_GOAL,
                    ),
                    (
                        f"{name}: share of bare bulk_create",
                        f"{rate / bulk:.0%}",
                        f"≥ {BULK_GOAL:.0%}",
                        f"{bulk:.0f}/s",
                        rate / bulk >= BULK_GOAL,
                    ),
                    (
                        f"{name}: peak memory",
                        f"{got['peak_mb']:.0f} MB",
                        f"≤ {PEAK_MB_GOAL} MB",
                        "",
                        got["peak_mb"] <= PEAK_MB_GOAL,
                    ),
                ]
            del rows
    count = min(n, Meeting.objects.count())  # the first n meetings, as many as the import
    for fmt in ("csv", "xlsx"):
        got = run_child_export(fmt, count)
        print(
            f"  export_meetings_{fmt:<4} {count} rows, {got['bytes'] / 1e6:.1f} MB in "
            f"{got['seconds']:.1f} s, peak {got['peak_mb']:.0f} MB"
        )
        table.append(
            (
                f"export_meetings_{fmt} ({count} rows, streamed): peak memory",
                f"{got['peak_mb']:.0f} MB",
                f"≤ {PEAK_MB_GOAL} MB",
                f"{count / got['seconds']:.0f}/s",
                got["peak_mb"] <= PEAK_MB_GOAL,
            )
        )
    return table


def run_child_export(fmt: str, count: int) -> dict:
    return run_child("export", f"{fmt}:{count}")


def print_rows(table) -> None:
    widths = (52, 12, 12, 10, 10)
    header = ("figure", "measured", "goal", "baseline", "verdict")
    for i, row in enumerate([header, *table]):
        cells = list(row)
        if i:
            cells[4] = "PASS" if row[4] else "FALL SHORT"
        print(
            " ".join(
                f"{c:<{w}}" if j == 0 else f"{c:>{w}}"
                for j, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
        if i == 0:
            print("-" * (sum(widths) + len(widths) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"))
    parser.add_argument("--size", choices=sorted(ROWS), default=os.environ.get("SIZE") or "full")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", help="an existing database with generate_scale_data's rows")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "chengjiang.settings"
    if args.child:
        kind, path = args.child
        if kind == "export":
            export_child(path)
        else:
            child(kind, path)
        return
    from bench.run import SIZES, YEAR, scratch_database

    name = args.database or f"bench_imports_{os.getpid()}"
    if not args.database:
        scratch_database(args.server, name, create=True)
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        if not args.database:
            call_command("migrate", verbosity=0)
            sizes = dict(SIZES["tiny"])
            sizes["meetings"] = ROWS[args.size]  # as many meetings as the export streams
            call_command("generate_scale_data", year=YEAR, stdout=io.StringIO(), **sizes)
        print_rows(measure(args.size))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.database:
            scratch_database(args.server, name, create=False)


if __name__ == "__main__":
    main()
