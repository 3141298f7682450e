"""Generate scale data: a whole city's tree and years of records, in bulk, for benchmarks.

    manage.py generate_scale_data --subdistricts 20 --villages 250 --orgs 5000 \\
        --members 100000 --meetings 1000000 --talks 100000 --year 2024

builds city → sub-districts (Party working committees, 街道党工委) → villages (general
branches or Party committees, each with its Village) → branches → Party groups; members with
valid GB 11643 ID numbers; dated secretaries who are members of their organisation; the tree's
change events; 三会一课 by the cadence rules (the given year first, then earlier years until the
count is reached) with attendance of each meeting's own members; heart-to-heart talks; review
statuses; the year's checklist bound to the measures; and two logins (``scale_office``: office
staff, ``scale_leader``: leadership) whose scope is the whole tree.

Written in bulk on purpose: COPY (psycopg 3) on PostgreSQL, ``bulk_create`` elsewhere, with
explicit ids, so no per-row signal fires (no audit entry per row, no cache bump per row); the
cache version is bumped once at the end. It refuses a database that already holds domain
records (anything it did not generate, or its own earlier run): use a fresh database
(``make bench`` creates and drops one).
"""

from __future__ import annotations

import datetime
import random
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from chengjiang.access import SYSTEM

MARKER = "规模测试"
TZ = datetime.timezone(datetime.timedelta(hours=8))
# Tables that migrations fill (reference data), which may be present in a fresh database.
# Rows every database has: the cadence rules, and the summaries' state (built when migrated:
# the monthly summary's, and the kept 三会一课 cells of this year and the next, empty).
REFERENCE_MODELS = {
    "branches.cadencerule",
    "branches.cadenceyear",
    "branches.cadencecount",
    "worktasks.summarystate",
}
MONTHLY_BRANCH = ("branch_committee", "theme_day")
QUARTERLY_BRANCH = ("branch_assembly", "party_lecture")
TOPICS = {
    "branch_committee": "%(y)d年%(m)d月支部委员会：研究部署当月党建工作",
    "theme_day": "%(y)d年%(m)d月主题党日：学习乡村振兴政策",
    "branch_assembly": "%(y)d年第%(q)d季度党员大会：通报支部工作",
    "party_lecture": "%(y)d年第%(q)d季度党课：学习党章党规",
    "org_life": "%(y)d年度组织生活会暨民主评议党员",
    "group_meeting": "%(y)d年%(m)d月党小组会：学习党章、交流思想",
    "democratic_life": "%(y)d年度民主生活会",
}

MSG_FOREIGN = (
    "数据库中已有不是本命令生成的记录（%(what)s），拒绝写入；请使用空数据库。"
    " (The database holds records this command did not generate: %(what)s; use an empty database.)"
)
MSG_ALREADY = (
    "数据库中已有本命令生成的规模数据，拒绝重复生成；请使用新的数据库。"
    " (The database already holds generated scale data; use a fresh database.)"
)
MSG_SIZES = "规模参数无效：%(why)s (invalid sizes: %(why)s)"


class Command(BaseCommand):
    help = "Generate a large valid tree and years of records in bulk (benchmarks; empty DB only)."

    def add_arguments(self, parser):
        parser.add_argument("--subdistricts", type=int, default=20)
        parser.add_argument("--villages", type=int, default=250, help="in all, not per district")
        parser.add_argument("--orgs", type=int, default=5000, help="organisations in all")
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--meetings", type=int, default=1_000_000)
        parser.add_argument("--talks", type=int, default=100_000)
        parser.add_argument(
            "--attendance-per-meeting",
            type=int,
            default=8,
            help="attendance lines per meeting (at most the organisation's members)",
        )
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--password", default="Chengjiang-2024")
        parser.add_argument("--batch-size", type=int, default=20_000)

    def handle(self, *args, **opts):
        self.opts = opts
        self.check_sizes()
        self.refuse_unless_empty()
        started = time.perf_counter()
        gen = Generator(opts, out=self.stdout)
        with transaction.atomic():
            gen.run()
        gen.finish()
        self.stdout.write(
            f"generate_scale_data: {time.perf_counter() - started:.1f} s — "
            + ", ".join(f"{n} {label}" for label, n in gen.counts.items())
        )

    def check_sizes(self) -> None:
        o = self.opts
        why = None
        if min(o["subdistricts"], o["villages"], o["members"]) < 1:
            why = "--subdistricts, --villages and --members must be at least 1"
        elif o["villages"] < o["subdistricts"]:
            why = "--villages must be at least --subdistricts"
        elif o["orgs"] < 1 + o["subdistricts"] + 2 * o["villages"]:
            why = "--orgs must leave at least one branch per village"
        elif min(o["meetings"], o["talks"], o["attendance_per_meeting"]) < 0:
            why = "counts cannot be negative"
        elif o["year"] > datetime.date.today().year or o["year"] < 2000:
            why = "--year must be between 2000 and this year"
        if why:
            raise CommandError(MSG_SIZES % {"why": why})

    def refuse_unless_empty(self) -> None:
        from django.apps import apps

        from chengjiang.accounts.roles import DOMAIN_APPS

        found = []
        for model in apps.get_models():
            label = model._meta.label_lower
            if model._meta.app_label not in DOMAIN_APPS or label in REFERENCE_MODELS:
                continue
            if model._meta.proxy or not model._meta.managed:
                continue
            n = model._base_manager.count()
            if n:
                found.append((label, n))
        if not found:
            return
        from branches.models import Organization

        orgs = Organization._base_manager
        if orgs.exists() and not orgs.exclude(name__startswith=MARKER).exists():
            raise CommandError(MSG_ALREADY)
        what = ", ".join(f"{label} {n}" for label, n in found)
        raise CommandError(MSG_FOREIGN % {"what": what})


class Generator:
    def __init__(self, opts: dict, out) -> None:
        self.o = opts
        self.out = out
        self.rng = random.Random(opts["seed"])
        self.year = opts["year"]
        self.today = datetime.date.today()
        self.now = datetime.datetime.now(TZ)
        self.pg = connection.vendor == "postgresql"
        self.batch = opts["batch_size"]
        self.counts: dict[str, int] = {}
        self.models_written: list = []

    # --- writing --------------------------------------------------------------------------

    def write(self, model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert ``rows`` (tuples of ``fields``' attnames, id first) without signals."""
        started = time.perf_counter()
        meta = model._meta
        n = 0
        if self.pg:
            columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
            table = connection.ops.quote_name(meta.db_table)
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor:
                restore = self.drop_indexes(cursor, meta.db_table)
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                for statement in restore:
                    cursor.execute(statement)
        else:
            chunk = []
            for row in rows:
                chunk.append(model(**dict(zip(fields, row, strict=True))))
                if len(chunk) >= self.batch:
                    model._base_manager.bulk_create(chunk)
                    n += len(chunk)
                    chunk = []
            if chunk:
                model._base_manager.bulk_create(chunk)
                n += len(chunk)
        self.counts[str(meta.verbose_name_plural)] = n
        self.models_written.append(model)
        self.out.write(f"  {meta.label}: {n} rows, {time.perf_counter() - started:.1f} s")
        return n

    @staticmethod
    def drop_indexes(cursor, table: str) -> list[str]:
        """PostgreSQL's advice for a bulk load ("Populating a Database"): drop the table's
        foreign keys, unique constraints and secondary indexes, COPY, then build them again in
        one pass each (an index build, and one validating join per foreign key). All inside the
        command's transaction, so nothing is ever visible without them. The primary key stays.
        Returns the statements that put them back."""
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        quote = connection.ops.quote_name
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        return [definition for _name, definition in indexes] + [
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            for name, definition in constraints
        ]

    # --- the run --------------------------------------------------------------------------

    def run(self) -> None:
        if self.pg:
            with connection.cursor() as cursor:
                # FKs are DEFERRABLE INITIALLY DEFERRED: checking at commit would queue millions
                # of trigger events; checked row by row instead.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
        self.plan_years()
        self.tree()
        self.users()
        self.members()
        self.secretaries()
        self.leadership_teams()
        self.org_changes()
        self.meetings()
        self.talks()
        self.reset_sequences()
        self.checklist()
        self.summaries()

    def summaries(self) -> None:
        """The monthly summary from the records just written (no signal fired per row)."""
        from chengjiang.worktasks.models import MonthlyFigure
        from chengjiang.worktasks.summary import rebuild_summaries

        started = time.perf_counter()
        rows = rebuild_summaries()
        self.models_written.append(MonthlyFigure)
        self.out.write(f"  summaries: {rows} rows, {time.perf_counter() - started:.1f} s")
        self.kept_cadence()

    def kept_cadence(self) -> None:
        """The kept 三会一课 cells of this year and the next (the city-wide home reads them)."""
        from branches.cadence import rebuild_cadence
        from branches.models import CadenceCount, Meeting, Member, Organization

        started = time.perf_counter()
        if self.pg:  # fresh tables have no statistics: the planner would loop over millions
            with connection.cursor() as cursor:
                for model in (Organization, Member, Meeting):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        rows = rebuild_cadence()
        self.models_written.append(CadenceCount)
        self.out.write(f"  kept cadence: {rows} rows, {time.perf_counter() - started:.1f} s")

    def finish(self) -> None:
        from chengjiang.data_version import bump_data_version

        bump_data_version()
        if self.pg:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for model in dict.fromkeys(self.models_written):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            self.out.write(f"  ANALYZE: {time.perf_counter() - started:.1f} s")

    def plan_years(self) -> None:
        """The given year and as many earlier ones as the meeting count needs."""
        o = self.o
        branches_n = (o["orgs"] - 1 - o["subdistricts"] - o["villages"]) // 3
        branches_n = max(branches_n, o["villages"])
        groups_n = o["orgs"] - 1 - o["subdistricts"] - o["villages"] - branches_n
        per_year = branches_n * 33 + groups_n * 12 + o["subdistricts"] + 1
        # Gaps drop at most ~8 % of the cadence; a spare year covers the rest.
        years = max(1, -(-o["meetings"] // max(int(per_year * 0.9), 1)) + 1)
        self.first_year = self.year - years + 1
        self.branches_n, self.groups_n = branches_n, groups_n
        self.established = datetime.date(min(self.first_year - 1, 2010), 1, 1)

    def tree(self) -> None:
        from branches.models import Organization, Village
        from chengjiang.tree import path_segment

        o, Kind = self.o, Organization.Kind
        orgs: list[tuple] = []  # id, name, kind, parent_id, village_id, established_on, path, depth
        self.kind: dict[int, str] = {}
        self.path: dict[int, str] = {}
        self.parent: dict[int, int | None] = {}
        self.district_of: dict[int, int] = {}

        self.village: dict[int, int | None] = {}

        def add(name, kind, parent, village=None, established=None) -> int:
            """One organisation; below a village it belongs to the village (as the service and
            the database's trigger require)."""
            pk = len(orgs) + 1
            village = village or (self.village[parent] if parent else None)
            path = (self.path[parent] if parent else "") + path_segment(pk)
            orgs.append(
                (
                    pk,
                    name,
                    kind,
                    parent,
                    village,
                    established or self.established,
                    path,
                    path.count("/") - 1,
                )
            )
            self.kind[pk], self.path[pk], self.parent[pk] = kind, path, parent
            self.village[pk] = village
            return pk

        self.root = add(f"{MARKER}市委员会", Kind.WORKING_COMMITTEE, None)
        self.districts = [
            add(f"{MARKER}第{d + 1:02d}街道党工委", Kind.WORKING_COMMITTEE, self.root)
            for d in range(o["subdistricts"])
        ]
        villages = []
        self.village_orgs = []
        for v in range(o["villages"]):
            district = self.districts[v % len(self.districts)]
            d = self.districts.index(district) + 1
            name = f"{MARKER}第{d:02d}街道第{v + 1:03d}村"
            kind = Village.Kind.COMMUNITY if v % 7 == 6 else Village.Kind.VILLAGE
            villages.append((v + 1, name, kind))
            if v % 5 == 4:
                pk = add(f"{name}党委", Kind.PARTY_COMMITTEE, district, village=v + 1)
            else:
                pk = add(f"{name}党总支", Kind.GENERAL_BRANCH, district, village=v + 1)
            self.village_orgs.append(pk)
            self.district_of[pk] = district
        self.branches = []
        for b in range(self.branches_n):
            village = self.village_orgs[b % len(self.village_orgs)]
            name = villages[b % len(villages)][1] + f"第{b // len(villages) + 1}党支部"
            pk = add(name, Kind.BRANCH, village)
            self.branches.append(pk)
        self.groups_of: dict[int, list[int]] = {b: [] for b in self.branches}
        for g in range(self.groups_n):
            branch = self.branches[g % len(self.branches)]
            n = len(self.groups_of[branch]) + 1
            pk = add(f"{orgs[branch - 1][1]}第{n}党小组", Kind.GROUP, branch)
            self.groups_of[branch].append(pk)
        self.orgs = orgs
        self.write(Village, ("id", "name", "kind"), villages)
        self.write(
            Organization,
            (
                "id",
                "name",
                "kind",
                "parent_id",
                "village_id",
                "established_on",
                "path",
                "depth",
            ),
            orgs,
        )

    def users(self) -> None:
        from auditlog.context import disable_auditlog
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from chengjiang.accounts import roles

        roles.sync_roles()
        User = get_user_model()
        self.users_by_role = {}
        with disable_auditlog():
            for username, role, staff, first_name in (
                ("scale_office", roles.OFFICE, True, "规模测试党建办"),
                ("scale_leader", roles.LEADERSHIP, False, "规模测试领导"),
            ):
                user, _ = User.objects.get_or_create(username=username)
                user.organization_id = self.root
                user.is_staff = staff
                user.first_name = first_name
                user.set_password(self.o["password"])
                user.save()
                user.groups.set([Group.objects.get(name=role)])
                self.users_by_role[role] = user
        self.office = self.users_by_role[roles.OFFICE].pk

    def members(self) -> None:
        from branches.demo import GIVEN, SURNAMES
        from branches.models import Member
        from chengjiang.personal_data import id_check_digit

        rng, n = self.rng, self.o["members"]
        self.pool: dict[int, list[int]] = {}
        per = [n // len(self.branches)] * len(self.branches)
        for i in range(n % len(self.branches)):
            per[i] += 1
        educations = [c for c, _ in Member.Education.choices]
        used: set[str] = set()
        latest_join = min(self.today, datetime.date(self.year, 12, 31))
        self.secretary_pick: dict[int, list[int]] = {}

        def rows() -> Iterator[tuple]:
            pk = 0
            for b, branch in enumerate(self.branches):
                groups = self.groups_of[branch]
                region = f"3418{(self.district_of[self.parent[branch]] % 100):02d}"
                self.pool[branch] = []
                for g in groups:
                    self.pool[g] = []
                for k in range(per[b]):
                    pk += 1
                    female = rng.random() < 0.4
                    while True:
                        birth = datetime.date(
                            # old enough to have joined (at 18 or later) by the year's end
                            rng.randint(1950, min(2000, latest_join.year - 20)),
                            rng.randint(1, 12),
                            rng.randint(1, 28),
                        )
                        seq = (
                            f"{rng.randint(0, 99):02d}{rng.choice('02468' if female else '13579')}"
                        )
                        first17 = f"{region}{birth:%Y%m%d}{seq}"
                        id_number = first17 + id_check_digit(first17)
                        if id_number not in used:
                            used.add(id_number)
                            break
                    joined = datetime.date(birth.year + 20, rng.randint(1, 12), 1)
                    joined = min(joined, latest_join)
                    group = groups[k % len(groups)] if groups else None
                    self.pool[branch].append(pk)
                    if group:
                        self.pool[group].append(pk)
                    yield (
                        pk,
                        rng.choice(SURNAMES) + rng.choice(GIVEN),
                        "F" if female else "M",
                        birth,
                        id_number,
                        f"13{pk:09d}",
                        rng.choice(educations),
                        "probationary" if rng.random() < 0.03 else "formal",
                        joined,
                        branch,
                        group,
                    )

        fields = (
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "category",
            "joined_on",
            "branch_id",
            "group_id",
        )
        self.write(Member, fields, rows())
        # A village's, a district's and the city's own meetings draw on their first branch.
        for village in self.village_orgs:
            first = next(b for b in self.branches if self.parent[b] == village)
            self.pool[village] = self.pool[first]
        for district in self.districts:
            first = next(v for v in self.village_orgs if self.parent[v] == district)
            self.pool[district] = self.pool[first]
        self.pool[self.root] = self.pool[self.districts[0]]

    def secretaries(self) -> None:
        from branches.models import SecretaryTerm

        rng = self.rng
        self.secretary: dict[int, int] = {}
        self.replaced: list[tuple[int, int, int, datetime.date]] = []
        start = self.established

        def rows() -> Iterator[tuple]:
            pk = 0
            for org, *_ in self.orgs:
                people = self.pool.get(org) or []
                if not people:
                    continue
                current = people[0]
                began = start
                if len(people) > 1 and rng.random() < 0.1:  # 调整书记: an earlier term ended
                    changed = datetime.date(self.year, rng.randint(1, 6), rng.randint(1, 28))
                    changed = min(changed, self.today)
                    pk += 1
                    ended = changed - datetime.timedelta(days=1)
                    yield (pk, org, people[1], "secretary", start, ended)
                    self.replaced.append((org, people[1], current, changed))
                    began = changed
                pk += 1
                self.secretary[org] = current
                yield (pk, org, current, "secretary", began, None)

        columns = ("id", "organization_id", "member_id", "post", "started_on", "ended_on")
        self.write(SecretaryTerm, columns, rows())

    # A 领导班子 (leadership team) has this many members: its 民主生活会 expects them.
    TEAM_SIZE = 5

    def leadership_teams(self) -> None:
        """领导班子 of the city's and each district's committee, which hold 民主生活会."""
        from branches.models import LeadershipTeam, LeadershipTeamMember

        self.team: dict[int, int] = {}
        self.team_people: dict[int, list[int]] = {}
        names = dict((org, name) for org, name, *_ in self.orgs)

        def teams() -> Iterator[tuple]:
            for org in [self.root, *self.districts]:
                people = (self.pool.get(org) or [])[: self.TEAM_SIZE]
                if not people:
                    continue
                pk = len(self.team) + 1
                self.team[org] = pk
                self.team_people[org] = people
                yield (pk, org, f"{names[org]}领导班子", self.established, None)

        self.write(
            LeadershipTeam, ("id", "organization_id", "name", "started_on", "ended_on"), teams()
        )

        def posts() -> Iterator[tuple]:
            pk = 0
            for org, team in self.team.items():
                for i, member in enumerate(self.team_people[org]):
                    pk += 1
                    post = ("secretary", "deputy_secretary")[i] if i < 2 else "member"
                    yield (pk, team, member, post, self.established, None)

        self.write(
            LeadershipTeamMember,
            ("id", "team_id", "member_id", "post", "started_on", "ended_on"),
            posts(),
        )

    def org_changes(self) -> None:
        from branches.models import Organization, OrgChange

        def rows() -> Iterator[tuple]:
            pk = 0
            for org, _n, kind, parent, _v, established, *_ in self.orgs:
                pk += 1
                event = "group_set_up" if kind == Organization.Kind.GROUP else "established"
                yield (pk, event, org, established, None, parent, None, None, "", self.now)
            for org, old, new, date in self.replaced:
                pk += 1
                yield (pk, "secretary_changed", org, date, None, None, old, new, "", self.now)

        fields = (
            "id",
            "kind",
            "organization_id",
            "date",
            "old_parent_id",
            "new_parent_id",
            "old_secretary_id",
            "new_secretary_id",
            "note",
            "recorded_at",
        )
        self.write(OrgChange, fields, rows())

    def review(self, held_on: datetime.date) -> tuple:
        """status, return_reason, recorded_by, submitted_at, reviewed_by, reviewed_at, updated_at,
        recorded_at"""
        at = datetime.datetime.combine(held_on, datetime.time(18, 0), TZ)
        submitted = at + datetime.timedelta(days=1)
        reviewed = at + datetime.timedelta(days=3)
        roll = self.rng.random() if held_on.year == self.year else 0.0
        if roll < 0.85:
            return ("approved", "", self.office, submitted, self.office, reviewed, reviewed, at)
        if roll < 0.93:
            return ("submitted", "", self.office, submitted, None, None, submitted, at)
        if roll < 0.96:
            return (
                "returned",
                "请补充会议记录",
                self.office,
                submitted,
                self.office,
                reviewed,
                reviewed,
                at,
            )
        return ("draft", "", self.office, None, None, None, at, at)

    def schedule(self) -> Iterator[tuple[int, str, datetime.date]]:
        """(organisation, kind, date) by the cadence, the given year first, with a few gaps."""
        rng = self.rng
        for year in range(self.year, self.first_year - 1, -1):
            for org in [self.root, *self.districts]:
                day = datetime.date(year, 3 + rng.randint(0, 8), rng.randint(1, 28))
                yield org, "democratic_life", day
            for branch in self.branches:
                for month in range(1, 13):
                    for kind in MONTHLY_BRANCH:
                        if rng.random() >= 0.06:
                            yield branch, kind, datetime.date(year, month, rng.randint(1, 28))
                    if month % 3 == 0:
                        for kind in QUARTERLY_BRANCH:
                            if rng.random() >= 0.08:
                                yield branch, kind, datetime.date(year, month, rng.randint(1, 28))
                yield branch, "org_life", datetime.date(year, 12, rng.randint(1, 28))
                for group in self.groups_of[branch]:
                    for month in range(1, 13):
                        if rng.random() >= 0.06:
                            yield (
                                group,
                                "group_meeting",
                                datetime.date(year, month, rng.randint(1, 28)),
                            )

    def meetings(self) -> None:
        from branches.models import Attendance, Meeting

        total, per = self.o["meetings"], self.o["attendance_per_meeting"]
        rng = self.rng
        # The attendance is drawn with the meeting and written after it: kept as two compact
        # arrays (organisation, first member's place in its pool), not as millions of tuples.
        meeting_org, meeting_first = array("l"), array("l")
        meeting_team = array("b")  # 1: a 民主生活会 held by its organisation's leadership team
        self.meeting_years: set[int] = set()

        def rows() -> Iterator[tuple]:
            for pk, (org, kind, planned) in enumerate(self.schedule(), 1):
                if pk > total:
                    return
                day = min(planned, self.today)
                self.meeting_years.add(day.year)
                people = self.pool[org]
                team = self.team.get(org) if kind == "democratic_life" else None
                meeting_org.append(org)
                meeting_team.append(1 if team else 0)
                meeting_first.append(rng.randrange(len(people)) if people else 0)
                expected = len(self.team_people[org]) if team else min(per, len(people))
                m = day.month
                topic = TOPICS[kind] % {"y": day.year, "m": m, "q": (m - 1) // 3 + 1}
                yield (
                    pk,
                    kind,
                    org,
                    day,
                    datetime.time(14, 30),
                    "党群服务中心会议室",
                    self.secretary.get(org),
                    topic,
                    "",
                    "",
                    team,
                    expected,
                    *self.review(day),
                )

        fields = (
            "id",
            "kind",
            "organization_id",
            "held_on",
            "starts_at",
            "place",
            "host_id",
            "topic",
            "minutes",
            "observers",
            "leadership_team_id",
            "expected_count",
            "status",
            "return_reason",
            "recorded_by_id",
            "submitted_at",
            "reviewed_by_id",
            "reviewed_at",
            "updated_at",
            "recorded_at",
        )
        # Meetings first, then their attendance (generated alongside, written in one stream).
        self.write(Meeting, fields, rows())

        if len(meeting_org) != total:
            raise CommandError(MSG_SIZES % {"why": "the meeting plan fell short; report this"})

        def attendance() -> Iterator[tuple]:
            pk = 0
            for meeting, (org, first, by_team) in enumerate(
                zip(meeting_org, meeting_first, meeting_team, strict=True), 1
            ):
                people = self.team_people[org] if by_team else self.pool[org]
                size = len(people)
                if by_team:
                    first = 0
                for j in range(size if by_team else min(per, size)):
                    pk += 1
                    if j % 9 == 8:
                        yield (pk, meeting, people[(first + j) % size], "leave", "外出务工请假")
                    else:
                        yield (pk, meeting, people[(first + j) % size], "present", "")

        # ``present`` is generated by the database from ``status``.
        self.write(
            Attendance, ("id", "meeting_id", "member_id", "status", "absence_reason"), attendance()
        )

    def talks(self) -> None:
        from branches.models import Talk, TalkParticipant

        rng, total = self.rng, self.o["talks"]
        years = sorted(self.meeting_years or {self.year}, reverse=True)
        people_rows: list[tuple] = []
        orgs = self.branches

        def rows() -> Iterator[tuple]:
            for pk in range(1, total + 1):
                org = orgs[pk % len(orgs)]
                year = self.year if pk % 2 or len(years) == 1 else years[pk % len(years)]
                day = min(datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)), self.today)
                talker = self.secretary.get(org)
                others = [m for m in self.pool[org][:40] if m != talker]
                n = rng.randint(1, 3)
                for member in rng.sample(others, min(n, len(others))):
                    people_rows.append((pk, member, ""))
                if rng.random() < 0.1 or not others:
                    people_rows.append((pk, None, "群众代表"))
                yield (
                    pk,
                    org,
                    day,
                    talker,
                    "" if talker else "村党组织书记",
                    "谈心谈话：思想动态与工作困难",
                    "",
                    *self.review(day),
                )

        fields = (
            "id",
            "organization_id",
            "held_on",
            "talker_id",
            "talker_name",
            "topic",
            "notes",
            "status",
            "return_reason",
            "recorded_by_id",
            "submitted_at",
            "reviewed_by_id",
            "reviewed_at",
            "updated_at",
            "recorded_at",
        )
        self.write(Talk, fields, rows())
        self.write(
            TalkParticipant,
            ("id", "talk_id", "member_id", "name"),
            ((pk, *row) for pk, row in enumerate(people_rows, 1)),
        )

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self.models_written)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def checklist(self) -> None:
        """The year's checklist bound to the measures, so the dashboard and report have work."""
        from decimal import Decimal

        from auditlog.context import disable_auditlog

        from chengjiang import measures as registry
        from chengjiang.worktasks import services
        from chengjiang.worktasks.models import Checklist, Line, Task

        b, g = len(self.branches), self.groups_n
        tasks = [
            (
                "规范召开民主生活会",
                "branches.meetings",
                {"kind": "democratic_life"},
                1 + len(self.districts),
            ),
            ("各党支部召开年度组织生活会", "branches.meetings", {"kind": "org_life"}, b),
            ("按期召开支部委员会", "branches.meetings", {"kind": "branch_committee"}, 12 * b),
            ("按期开展主题党日", "branches.meetings", {"kind": "theme_day"}, 12 * b),
            ("按期召开党小组会", "branches.meetings", {"kind": "group_meeting"}, 12 * g),
            ("落实谈心谈话制度", "branches.talk_person_times", {}, max(1, self.o["talks"])),
            (
                "应建尽建新成立基层党支部",
                "branches.org_changes",
                {"kind": "established", "org_kind": "branch"},
                1,
            ),
        ]
        with disable_auditlog():
            checklist = Checklist.objects.filter(year=self.year).first()
            if checklist is None:
                checklist = services.checklist_save(
                    checklist=Checklist(
                        year=self.year,
                        title=f"{self.year}年{MARKER}重点工作任务",
                        issued_on=datetime.date(self.year, 2, 20),
                    ),
                    by=SYSTEM,
                )
            for number, (title, key, params, target) in enumerate(tasks, 1):
                if key not in registry.REGISTRY:
                    continue
                services.task_save(
                    task=Task(
                        checklist=checklist,
                        number=number,
                        line=Line.ORGANIZATION,
                        title=title,
                        responsible_id=self.root,
                        deadline=datetime.date(self.year, 12, 31),
                        weight=Decimal(1),
                        measure_key=key,
                        measure_params=params,
                        target=Decimal(target),
                    ),
                    by=SYSTEM,
                )
