"""The kept 三会一课 cells (branches.cadence, issue 12 goal 2): after every kind of write that
changes a cell, the home's figures read from them equal the reference matrix's
(``quarter_cadence`` / ``villages_behind``), the city-wide home reads them in a number of queries
that does not grow with the tree, and a write shows on the page at once."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches import cadence, selectors, services
from branches.models import (
    CadenceCount,
    CadenceRule,
    CadenceYear,
    Meeting,
    MeetingKind,
    Member,
    Organization,
    Status,
)
from chengjiang import measures
from tests.branches.test_home_scale import OLD, _from_matrix, busy_tree  # noqa: F401
from tests.factories import MemberFactory, OrganizationFactory

YEAR = 2024
DAYS = (datetime.date(YEAR, 6, 30), datetime.date(YEAR, 11, 5))


def _kept(scope, today):
    figures = cadence.home_figures(scope=scope, today=today)
    assert figures is not None, "the year is not kept"
    quarter = [
        (
            s.table.meeting_kind,
            s.done,
            s.required,
            s.open_count,
            [(c.organization.pk, c.period.key, c.state, c.done, c.required) for c in s.open_shown],
        )
        for s in figures.quarter
    ]
    behind = [(b.village.pk, b.overdue, b.kinds) for b in figures.behind]
    return quarter, behind


def _agrees(tree):
    for today in DAYS:
        for scope in (tree.root.path, tree.b.path, tree.a.path):
            assert _kept(scope, today) == _from_matrix(scope, today), (scope, today)


@pytest.fixture
def kept(busy_tree):  # noqa: F811
    cadence.rebuild_cadence([YEAR])
    assert YEAR in cadence.kept_years()
    _agrees(busy_tree)
    return busy_tree


def _approved(org, kind, day):
    return Meeting.objects.create(
        kind=kind, organization=org, held_on=day, topic="会议", status=Status.APPROVED
    )


def _quarter_done(tree, kind, today):
    figures = cadence.home_figures(scope=tree.root.path, today=today)
    return {s.table.meeting_kind: s.done for s in figures.quarter}[kind]


def test_a_rebuild_equals_the_matrix(kept):
    rows = CadenceCount.objects.filter(year=YEAR).count()
    assert rows and cadence.rebuild_cadence([YEAR]) == rows
    _agrees(kept)


def test_meeting_approved(kept, users):
    today = DAYS[0]
    before = _quarter_done(kept, MeetingKind.BRANCH_COMMITTEE, today)
    meeting = Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE,
        organization=kept.b1,
        held_on=datetime.date(YEAR, 6, 3),
        topic="六月支委会",
        status=Status.SUBMITTED,
    )
    _agrees(kept)  # a submitted meeting counts for nothing
    services.meeting_approve(meeting=meeting, by=users.office)
    assert _quarter_done(kept, MeetingKind.BRANCH_COMMITTEE, today) == before + 1
    _agrees(kept)


def test_meeting_returned_moved_and_deleted(kept):
    meeting = _approved(kept.a1, MeetingKind.THEME_DAY, datetime.date(YEAR, 3, 9))
    _agrees(kept)
    meeting.status = Status.RETURNED  # the office reopens an approved record (admin)
    meeting.save()
    _agrees(kept)
    meeting.status = Status.APPROVED
    meeting.save()
    meeting.held_on = datetime.date(YEAR, 6, 1)  # another quarter
    meeting.save()
    _agrees(kept)
    meeting.organization = kept.b1  # another organisation, another village
    meeting.kind = MeetingKind.PARTY_LECTURE
    meeting.save()
    _agrees(kept)
    meeting.held_on = datetime.date(YEAR - 1, 12, 1)  # out of the kept year
    meeting.save()
    _agrees(kept)
    meeting.held_on = datetime.date(YEAR, 6, 2)
    meeting.save()
    meeting.delete()
    _agrees(kept)


def test_member_confirmed_gives_a_branch_its_committee(kept, users):
    """青桥村第一党支部 has 4 + 7 members; 花园村第一党支部 5. Six full members and a
    probationary one: confirmed in April, the branch owes 支委会 from May."""
    branch = OrganizationFactory(
        name="新桥党支部",
        kind=Organization.Kind.BRANCH,
        parent=kept.b,
        village=kept.vb,
        established_on=OLD,
    )
    for _ in range(6):
        MemberFactory(
            branch=branch, category=Member.Category.FORMAL, joined_on=datetime.date(2015, 1, 1)
        )
    _agrees(kept)
    probationary = MemberFactory(
        branch=branch,
        category=Member.Category.PROBATIONARY,
        joined_on=datetime.date(YEAR - 1, 3, 1),
        confirmed_on=None,
    )
    _agrees(kept)
    owed = CadenceCount.objects.filter(
        organization=branch, meeting_kind=MeetingKind.BRANCH_COMMITTEE, year=YEAR
    )
    assert not owed.exists()
    services.member_confirm_full(
        member=probationary, date=datetime.date(YEAR, 4, 10), by=users.office
    )
    assert sorted(owed.values_list("index", flat=True)) == list(range(5, 13))
    _agrees(kept)
    probationary.branch = kept.b1  # moved to another branch: the committee goes with it
    probationary.save()
    assert not owed.exists()
    _agrees(kept)


def test_organisation_dissolved_established_and_moved(kept, users):
    services.organization_dissolve(
        organization=kept.a1g, date=datetime.date(YEAR, 5, 20), by=users.office
    )
    _agrees(kept)
    services.organization_move(
        organization=kept.b1, new_parent=kept.a, date=datetime.date(YEAR, 7, 1), by=users.office
    )
    _agrees(kept)
    kept.b.kind = Organization.Kind.PARTY_COMMITTEE  # a kind the rules name differently
    kept.b.save()
    _agrees(kept)
    OrganizationFactory(
        name="新设党支部",
        kind=Organization.Kind.BRANCH,
        parent=kept.a,
        village=kept.va,
        established_on=datetime.date(YEAR, 2, 1),
    )
    _agrees(kept)


def test_rule_changed(kept):
    rule = CadenceRule.objects.get(meeting_kind=MeetingKind.THEME_DAY)
    rule.min_count = 2
    rule.save()
    _agrees(kept)
    rule.active = False
    rule.save()
    _agrees(kept)
    CadenceRule.objects.get(meeting_kind=MeetingKind.BRANCH_COMMITTEE).delete()
    _agrees(kept)


def test_bulk_written_records_are_built_again(kept):
    Meeting.objects.bulk_create(  # no signal per row
        [
            Meeting(
                kind=MeetingKind.THEME_DAY,
                organization=kept.b1,
                held_on=datetime.date(YEAR, month, 5),
                topic="导入",
                status=Status.APPROVED,
            )
            for month in (1, 5, 6)
        ]
    )
    measures.records_bulk_written.send(sender=Meeting)
    _agrees(kept)


def test_many_writes_set_aside_then_build_once(kept):
    with measures.writing_many():
        assert not cadence.kept_years()
        assert cadence.home_figures(scope=kept.root.path, today=DAYS[0]) is None
        _approved(kept.b1, MeetingKind.THEME_DAY, datetime.date(YEAR, 6, 5))
    assert timezone.localdate().year in cadence.kept_years()


def test_a_year_not_kept_is_counted_from_the_records(tree, users, login, monkeypatch):
    monkeypatch.setattr(selectors, "HOME_TREE_MAX", 5)
    CadenceYear.objects.all().delete()
    assert cadence.home_figures(scope=tree.root.path) is None
    response = login(users.office).get(reverse("branches:home"))
    assert response.context["cadence"].wide and response.context["cadence"].quarter


# --- the home ------------------------------------------------------------------------------


def _office_home_queries(client):
    url = reverse("branches:home")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    return cold


def test_kept_home_reads_the_same_number_of_queries_at_two_sizes(tree, users, login, monkeypatch):
    monkeypatch.setattr(selectors, "HOME_TREE_MAX", 5)
    monkeypatch.setattr(selectors, "home_cadence_counts", None)  # never counted from records
    table = CadenceCount._meta.db_table
    client = login(users.office)
    client.get(reverse("branches:home"))
    small = _office_home_queries(client)
    day = timezone.localdate().replace(day=1)
    for n in range(30):
        branch = OrganizationFactory(
            name=f"新支部{n:02d}",
            kind=Organization.Kind.BRANCH,
            parent=tree.b if n % 2 else tree.a,
            village=tree.vb if n % 2 else tree.va,
            established_on=OLD,
        )
        MemberFactory(branch=branch)
        _approved(branch, MeetingKind.THEME_DAY, day)
    big = _office_home_queries(client)
    assert len(big) == len(small)
    assert any(table in q["sql"] for q in big.captured_queries)  # read from the kept cells


def test_a_write_shows_at_once_in_the_html(tree, users, login, monkeypatch):
    monkeypatch.setattr(selectors, "HOME_TREE_MAX", 5)
    monkeypatch.setattr(selectors, "home_cadence_counts", None)  # never counted from records
    client = login(users.office)
    url = reverse("branches:home")
    today = timezone.localdate()
    figures = cadence.home_figures(scope=tree.root.path, today=today)
    theme = next(s for s in figures.quarter if s.table.meeting_kind == MeetingKind.THEME_DAY)
    before = f"应开 {theme.required} 次，已开 {theme.done} 次"
    assert before in client.get(url).content.decode()
    owing = theme.open_shown[0]
    meeting = Meeting.objects.create(
        kind=MeetingKind.THEME_DAY,
        organization=owing.organization,
        held_on=max(owing.period.start, min(owing.period.end, today)),
        topic="主题党日",
        status=Status.SUBMITTED,
    )
    services.meeting_approve(meeting=meeting, by=users.office)
    after = f"应开 {theme.required} 次，已开 {theme.done + 1} 次"
    assert after in client.get(url).content.decode()


def test_generated_scale_data_leaves_this_year_kept(db):
    """generate_scale_data writes with no signal per row: it builds the kept cells itself."""
    import io

    from django.core.management import call_command

    today = timezone.localdate()
    call_command(
        "generate_scale_data",
        subdistricts=2,
        villages=5,
        orgs=40,
        members=300,
        meetings=700,
        talks=10,
        attendance_per_meeting=2,
        year=today.year,
        stdout=io.StringIO(),
    )
    assert today.year in cadence.kept_years()
    assert CadenceCount.objects.filter(year=today.year, done__gt=0).exists()
    root = Organization.objects.get(parent=None)
    for day in (today, today.replace(month=5, day=15)):
        assert _kept(root.path, day) == _from_matrix(root.path, day)


def test_a_date_given_as_text_is_kept(kept):
    Meeting.objects.create(
        kind=MeetingKind.THEME_DAY,
        organization=kept.b1,
        held_on="2024-06-03",
        topic="会议",
        status=Status.APPROVED,
    )
    _agrees(kept)


def test_migrate_keeps_a_year_that_began_since_the_last_rebuild(tree, users):
    """A portal running across New Year: the new year is not kept until rebuilt; the next
    migrate (every deploy runs one) builds it, and the years kept before stay."""
    import io

    from django.core.management import call_command

    from branches import cadence
    from branches.models import CadenceYear

    this_year = cadence.default_years()[0]
    CadenceYear.objects.filter(year=this_year).delete()
    assert not cadence.is_kept(this_year)
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    assert cadence.is_kept(this_year)


def test_a_member_of_a_small_branch_leaves_its_cells_alone(kept):
    """A branch far below the committee's seven full members owes no 支委会 whatever one member
    does: the write counts the branch's full members and rebuilds nothing."""
    table = CadenceCount._meta.db_table
    assert Member.objects.filter(branch=kept.office_branch).count() < 5
    with CaptureQueriesContext(connection) as ctx:
        member = MemberFactory(
            branch=kept.office_branch,
            category=Member.Category.FORMAL,
            joined_on=datetime.date(2015, 1, 1),
        )
        member.delete()
    touched = [q["sql"] for q in ctx.captured_queries if f'"{table}"' in q["sql"]]
    assert not touched, touched[:1]
    _agrees(kept)


def test_the_kept_sql_is_compiled_once_and_names_each_organisation(kept):
    """A recompute reuses the SQL compiled for the same rules, year and number of organisations,
    with the organisations' own ids in it: the same SQL and parameters as compiled afresh."""
    rules = cadence._active_rules()
    cadence._COMPILED.clear()
    for org_ids in ([kept.a1.pk], [kept.b1.pk], [kept.b1.pk, kept.a.pk], [kept.a1.pk, kept.b.pk]):
        fresh = cadence._compile_cells_sql(rules, YEAR, sorted(org_ids))
        assert cadence._cells_sql(rules, YEAR, org_ids) == fresh
    assert len(cadence._COMPILED) == 2  # one per number of organisations
    assert cadence._cells_sql(rules, YEAR) == cadence._compile_cells_sql(rules, YEAR)
    rules[0].min_count += 1  # another rule set: compiled again, never the old SQL
    fresh = cadence._compile_cells_sql(rules, YEAR, [kept.a1.pk])
    assert cadence._cells_sql(rules, YEAR, [kept.a1.pk]) == fresh
