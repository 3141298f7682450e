"""Benchmarks at scale: the pages people wait for, with many villages and many records.

Not part of the test run. ``make bench`` (or ``python bench/run.py --villages 30``) builds a
scratch SQLite database under var/bench/ (or uses DATABASE_URL), loads the demo, multiplies the
organisation tree and a year of meetings, then times each page over repeated requests and counts
its queries. The figures printed are what the closing notes quote.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

from chengjiang.access import SYSTEM
from chengjiang.services import record_save

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengjiang.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    if "DATABASE_URL" not in os.environ:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        if db_path.exists():
            db_path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


def scale(villages: int, rng: random.Random) -> None:
    """Add invented villages, each with 3 branches, 30 members and a year of 三会一课."""
    from auditlog.context import disable_auditlog
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from branches import services
    from branches.demo import _members, _three_meetings_one_lesson
    from branches.models import Organization, Village

    root = Organization.objects.get(parent=None)
    office = get_user_model().objects.get(username="office")
    used: set[str] = set()
    phones = [5000]
    old = datetime.date(2010, 1, 1)
    with disable_auditlog(), transaction.atomic():
        for i in range(villages):
            village = record_save(record=Village(name=f"基准村{i:03d}"), by=SYSTEM)
            top = services.organization_establish(
                name=f"基准村{i:03d}党总支",
                kind="general_branch",
                parent=root,
                date=old,
                village=village,
                by=SYSTEM,
            )
            for b in range(3):
                branch = services.organization_establish(
                    name=f"基准村{i:03d}第{b + 1}党支部",
                    kind="branch",
                    parent=top,
                    date=old,
                    by=SYSTEM,
                )
                people = _members(branch, [], 10, rng, used, phones)
                _three_meetings_one_lesson(branch, people, 2024, 12, rng, office, office)


def timed(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(times), max(times), len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup(ROOT / "var" / "bench" / "bench.sqlite3")

    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from branches.models import Attendance, Meeting, Member, Organization

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    t_demo = time.perf_counter() - t0
    t0 = time.perf_counter()
    scale(args.villages, random.Random(7))
    t_scale = time.perf_counter() - t0
    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}")
    print(f"load_demo {t_demo:.1f} s; scaling by {args.villages} villages {t_scale:.1f} s")
    print(
        f"rows: {Organization.objects.count()} organisations, {Member.objects.count()} members, "
        f"{Meeting.objects.count()} meetings, {Attendance.objects.count()} attendance lines"
    )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    pages = [
        ("office", "/"),
        ("office", "/meetings/?year=2024"),
        ("office", "/talks/"),
        ("huayuan", "/"),
        ("huayuan", "/meetings/"),
        ("office", "/admin/branches/meeting/"),
        ("office", "/admin/branches/member/"),
        ("leader", "/dashboard/?year=2024"),
        ("leader", "/reports/2024/"),
        ("office", "/training/"),
        ("office", "/cadres/"),
    ]
    print(f"\n{'user':<9} {'page':<32} {'median ms':>9} {'max ms':>7} {'queries':>7}")
    for username, url in pages:
        client = Client()
        client.force_login(
            User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
        cache.clear()
        median, worst, queries = timed(client, url, args.repeat)
        print(f"{username:<9} {url:<32} {median:>9.1f} {worst:>7.1f} {queries:>7}")
    client = Client()
    client.force_login(
        User.objects.get(username="leader"), backend="django.contrib.auth.backends.ModelBackend"
    )
    cache.clear()
    start = time.perf_counter()
    client.get("/dashboard/?year=2024")
    cold = (time.perf_counter() - start) * 1000
    print(f"\ndashboard, cold cache: {cold:.1f} ms (the table above is with the progress cached)")


if __name__ == "__main__":
    main()
