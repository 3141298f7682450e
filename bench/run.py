"""Benchmarks at scale: every page people wait for, for the widest scope, on a big tree.

Not part of the test run. ``make bench`` (``python bench/run.py``; ``SIZE=small`` or
``--size small`` for a quicker run):

1. creates a scratch PostgreSQL database (``--server``, default postgres@127.0.0.1:5432, trust
   auth), migrates it and fills it with ``manage.py generate_scale_data`` (full size: 20
   sub-districts, 250 villages, 5,000 organisations, 100,000 members, 1,000,000 meetings with
   8,000,000 attendance lines, 100,000 talks);
2. serves the app in this process (Django's test client: the whole request/response cycle,
   middleware, sessions, templates; no network socket) and, as office staff whose scope is the
   whole tree, times each page: cold (cache cleared and a fresh database connection; the
   PostgreSQL buffer cache cannot be emptied from here, so cold means "application caches
   empty"), then the median of 3 warm requests; it counts each page's queries and its HTML;
3. measures /healthz throughput against the dashboard's in the same process;
4. imports and exports (``bench/imports.py``, goals 4 and 5): 100,000-row member and meeting
   sheets (csv and xlsx) through the bulk import, each against django-import-export's defaults
   and a bare ``bulk_create`` measured in the same run, with peak memory; a streamed export of
   100,000 meetings (``--no-imports`` leaves this out);
5. prints one table: each goal's figure, the goal, PASS / FALL SHORT, and the ratio to /healthz
   measured in the same run; then drops the scratch database (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime
import io
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {
    "full": {
        "subdistricts": 20,
        "villages": 250,
        "orgs": 5000,
        "members": 100_000,
        "meetings": 1_000_000,
        "talks": 100_000,
        "attendance_per_meeting": 8,
    },
    "small": {
        "subdistricts": 4,
        "villages": 40,
        "orgs": 800,
        "members": 16_000,
        "meetings": 100_000,
        "talks": 10_000,
        "attendance_per_meeting": 8,
    },
    "tiny": {
        "subdistricts": 2,
        "villages": 6,
        "orgs": 60,
        "members": 600,
        "meetings": 3_000,
        "talks": 300,
        "attendance_per_meeting": 6,
    },
}
# The scale data's year: the current one, so that the home (which shows this year's cadence)
# and the dashboard read a year full of records, as a city's would at year end. ``--year``.
YEAR = datetime.date.today().year
# The goals of issue 12, in milliseconds, bytes and ratios.
WARM_MS, COLD_MS = 100, 300
DASHBOARD_WARM_MS, DASHBOARD_HTML, DASHBOARD_THROUGHPUT = 30, 300 * 1024, 0.25
GENERATE_S, RUN_S = 300, 20 * 60
SUMMARY_S = 2  # goal 5: the year-end summary for the whole tree


def scratch_database(server: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FALL SHORT"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("SIZE") or "full")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput window per URL")
    parser.add_argument("--no-imports", action="store_true", help="leave out imports and exports")
    parser.add_argument(
        "--database",
        help="measure the pages against this existing database (filled earlier by --keep or "
        "generate_scale_data; read only: no generation, no summary rebuild, no imports, not "
        "dropped) — for working on one page",
    )
    parser.add_argument("--only", help="measure only the pages whose label contains this text")
    parser.add_argument(
        "--year",
        type=int,
        help="the records' year (default: this year; with --database, its latest meeting's)",
    )
    args = parser.parse_args()
    run_started = time.perf_counter()
    if args.database:
        args.no_imports = True
        args.keep = True
    name = args.database or f"bench_scale_{os.getpid()}"
    if not args.database:
        scratch_database(args.server, name, create=True)
    os.environ["DATABASE_URL"] = f"{args.server}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "chengjiang.settings"
    # DEBUG serves static files from the source tree (no collectstatic in a scratch run).
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    try:
        run(args, name, run_started)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nscratch database kept: {os.environ['DATABASE_URL']}")
        else:
            scratch_database(args.server, name, create=False)
            print(f"\nscratch database {name} dropped")


def run(args, name: str, run_started: float) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    global YEAR
    sizes = SIZES[args.size]
    if args.year:
        YEAR = args.year
    if args.database:
        if not args.year:
            from branches.models import Meeting

            latest = Meeting.objects.order_by("-held_on").values_list("held_on", flat=True).first()
            YEAR = latest.year if latest else YEAR
        print(f"database: {os.environ['DATABASE_URL']} (existing, read only), year {YEAR}")
        rows = measure_pages(args)
        print_table(args, None, rows, run_started)
        return
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    t_migrate = time.perf_counter() - t0
    command = "manage.py generate_scale_data " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in sizes.items()
    )
    print(f"database: {os.environ['DATABASE_URL']} (scratch); migrate {t_migrate:.1f} s")
    print(f"{command} --year {YEAR}")
    t0 = time.perf_counter()
    out = io.StringIO()
    call_command("generate_scale_data", year=YEAR, stdout=out, **sizes)
    t_generate = time.perf_counter() - t0
    print(out.getvalue().rstrip())
    rows = measure_pages(args)
    imports = []
    if not args.no_imports:
        from bench.imports import measure as measure_imports

        imports = measure_imports(args.size)
    print_table(args, t_generate, rows, run_started, imports)


def timed_get(client, url: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.get(url)
        ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    body = b"".join(response) if response.streaming else response.content
    return ms, len(ctx.captured_queries), len(body)


def throughput(client, url: str, seconds: float) -> float:
    """Requests per second, one after another, for ``seconds`` (at least 3 requests)."""
    n, start = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - start < seconds:
        client.get(url)
        n += 1
    return n / (time.perf_counter() - start)


def measure_pages(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from branches.models import Meeting, Organization
    from chengjiang import measures as registry
    from chengjiang.measures import Period

    office = get_user_model().objects.get(username="scale_office")
    root = Organization.objects.get(parent=None)
    drill = {"year": YEAR, "kind": "branch_committee"}
    records = registry.REGISTRY["branches.meetings"].records(
        period=Period.year(YEAR), scope=root.path, kind="branch_committee"
    )
    last_page = max(1, math.ceil(records.count() / 50))
    meeting = Meeting.objects.filter(held_on__year=YEAR).order_by("pk").values_list("pk", flat=True)
    meeting_pk = meeting[meeting.count() // 2]
    district = Organization.objects.filter(parent=root).order_by("path").first()
    village = Organization.objects.filter(parent=district).order_by("path").first()
    drill_url = "/dashboard/measure/branches.meetings/?" + urlencode(drill)
    pages = [
        ("healthz", "/healthz"),
        ("home", "/"),
        ("meetings list", "/meetings/"),
        ("talks list", "/talks/"),
        ("meeting detail", f"/meetings/{meeting_pk}/"),
        ("dashboard", f"/dashboard/?year={YEAR}"),
        ("dashboard, a sub-district", f"/dashboard/?year={YEAR}&org={district.pk}"),
        ("dashboard, a village", f"/dashboard/?year={YEAR}&org={village.pk}"),
        ("dashboard, organisation search", "/dashboard/organizations/?" + urlencode({"q": "村"})),
        ("drill-down, first page", drill_url),
        (f"drill-down, last page ({last_page})", f"{drill_url}&page={last_page}"),
        ("report", f"/reports/{YEAR}/"),
        # Over JOB_SYNC_MAX_ORGS organisations the page hands the file to a job (a redirect to
        # its progress page); measured here is the work that job does, asked for in-request.
        ("year-end summary (.docx)", f"/reports/{YEAR}/summary.docx"),
        ("admin meetings", "/admin/branches/meeting/"),
        ("admin meetings, search", "/admin/branches/meeting/?" + urlencode({"q": "主题党日"})),
        ("admin members", "/admin/branches/member/"),
    ]
    if args.only:
        pages = [p for p in pages if p[0] == "healthz" or args.only in p[0]]
    rows = {}
    print(f"\nmeasuring {len(pages) - 1} pages as {office.username} (scope: {root.name})")
    from django.test import override_settings

    in_request = override_settings(JOB_SYNC_MAX_ORGS=10**9)
    in_request.enable()
    for label, url in pages:
        cache.clear()
        connection.close()
        client = Client()
        client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
        cold, cold_queries, _ = timed_get(client, url)
        warm = [timed_get(client, url) for _ in range(3)]
        rows[label] = {
            "url": url,
            "cold": cold,
            "cold_queries": cold_queries,
            "warm": statistics.median(w[0] for w in warm),
            "queries": warm[-1][1],
            "html": warm[-1][2],
            "client": client,
        }
        r = rows[label]
        print(
            f"  {label:<32} cold {cold:>8.1f} ms  warm {r['warm']:>8.1f} ms  "
            f"{r['queries']:>3} queries  {r['html'] / 1024:>7.1f} KB"
        )
    in_request.disable()
    rows["healthz"]["rps"] = throughput(rows["healthz"]["client"], "/healthz", args.seconds)
    if not args.database:
        rows["summaries"] = measure_jobs()
    dash = rows.get("dashboard")
    if dash is not None:
        dash["rps"] = throughput(dash["client"], dash["url"], args.seconds)
        share = dash["rps"] / rows["healthz"]["rps"]
        print(
            f"  throughput: /healthz {rows['healthz']['rps']:.0f}/s, dashboard {dash['rps']:.1f}/s"
        )
        print(f"  dashboard throughput: {share:.1%} of /healthz's")
    return rows


def measure_jobs() -> dict:
    """The year-end summary as ``manage.py annual_report`` prints it, and a full rebuild of the
    monthly summary (what ``manage.py rebuild_summaries`` and its job do)."""
    from django.core.management import call_command

    from chengjiang.worktasks.summary import rebuild_summaries

    start = time.perf_counter()
    call_command("annual_report", year=YEAR, stdout=io.StringIO())
    annual = time.perf_counter() - start
    start = time.perf_counter()
    written = rebuild_summaries()
    rebuild = time.perf_counter() - start
    print(f"  annual_report {annual:.2f} s; rebuild_summaries {rebuild:.1f} s ({written} rows)")
    return {"annual": annual, "rebuild": rebuild, "rows": written}


def print_table(args, t_generate: float | None, rows: dict, run_started: float, imports=()) -> None:
    health = rows["healthz"]
    base = max(health["warm"], 0.001)
    print(f"\nissue 12 at size {args.size!r}: PostgreSQL, in-process client, office staff")
    columns = ("figure", "measured", "goal", "× healthz", "verdict")
    widths = (52, 12, 12, 10, 10)
    table = [columns]

    def add(figure: str, measured: str, goal: str, ratio: str, ok: bool | None) -> None:
        table.append((figure, measured, goal, ratio, "" if ok is None else verdict(ok)))

    if t_generate is not None:
        ok = t_generate <= GENERATE_S
        add("generate_scale_data", f"{t_generate:.0f} s", f"≤ {GENERATE_S} s", "", ok)
    add("/healthz warm (the yardstick)", f"{health['warm']:.1f} ms", "", "1", None)
    for label, r in rows.items():
        if label in ("healthz", "summaries"):
            continue
        goal = DASHBOARD_WARM_MS if label.startswith("dashboard") else WARM_MS
        warm, cold = r["warm"], r["cold"]
        add(f"{label}: warm", f"{warm:.0f} ms", f"≤ {goal} ms", f"{warm / base:.0f}", warm <= goal)
        add(
            f"{label}: cold", f"{cold:.0f} ms", f"≤ {COLD_MS} ms", f"{cold / base:.0f}", cold <= 300
        )
        queries = f"{r['queries']} / {r['cold_queries']}"
        add(f"{label}: queries warm / cold, HTML", queries, f"{r['html'] / 1024:.0f} KB", "", None)
    dash = rows.get("dashboard")
    if dash is not None:
        html_ok = dash["html"] <= DASHBOARD_HTML
        add("dashboard: HTML", f"{dash['html'] / 1024:.0f} KB", "≤ 300 KB", "", html_ok)
        share = dash["rps"] / health["rps"]
        rps = f"{dash['rps']:.2f}/s"
        add("dashboard: throughput", rps, "≥ 25 %", f"{share:.1%}", share >= DASHBOARD_THROUGHPUT)
    add("/healthz: throughput (one client)", f"{health['rps']:.0f}/s", "", "100 %", None)
    jobs = rows.get("summaries")
    if jobs is not None:
        annual = jobs["annual"]
        ok = annual <= SUMMARY_S
        add("year-end summary (annual_report)", f"{annual:.2f} s", f"≤ {SUMMARY_S} s", "", ok)
        rows_written = f"{jobs['rows']} rows"
        add("rebuild_summaries (the job)", f"{jobs['rebuild']:.1f} s", rows_written, "", None)
    for figure, measured, goal, baseline, ok in imports:  # bench/imports.py: baseline, not healthz
        add(figure, measured, goal, baseline, ok)
    total = time.perf_counter() - run_started
    add(
        "whole bench run (before the drop)", f"{total / 60:.1f} min", "≤ 20 min", "", total <= RUN_S
    )
    for i, row in enumerate(table):
        print(
            " ".join(
                f"{cell:<{w}}" if j == 0 else f"{cell:>{w}}"
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("-" * (sum(widths) + len(widths) - 1))


if __name__ == "__main__":
    main()
