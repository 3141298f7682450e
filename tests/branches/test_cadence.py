"""三会一课 cadence: due vs done per organisation and period, overdue, and a flat query count."""

import datetime

import pytest

from branches.measures import cadence as cadence_table
from branches.models import CadenceRule, MeetingKind, Status
from branches.selectors import DONE, DUE, NA, OVERDUE, cadence_matrix, quarter_cadence
from chengjiang.measures import TABLES, Period
from tests.factories import MeetingFactory, MemberFactory, OrganizationFactory

TODAY = datetime.date(2024, 5, 15)
Kind = OrganizationFactory._meta.model.Kind


@pytest.fixture
def tree(tree):
    """花园村第一党支部 grown to 7 full members: it has a branch committee, so 支委会 is owed
    (the committee rule itself is tested in test_committees.py)."""
    tree.a_members += [MemberFactory(branch=tree.a1) for _ in range(2)]
    return tree


def _approved(org, kind, day, **kw):
    return MeetingFactory(organization=org, kind=kind, held_on=day, status=Status.APPROVED, **kw)


def _table(tables, kind):
    return next(t for t in tables if t.meeting_kind == kind)


def _cells(table, org):
    row = next(r for r in table.rows if r.organization == org)
    return {c.period.key: c for c in row.cells}


def test_default_rules_are_seeded(db):
    rules = {r.meeting_kind: r for r in CadenceRule.objects.all()}
    assert rules["branch_assembly"].period == "quarter"
    assert rules["branch_committee"].period == "month"
    assert rules["group_meeting"].period == "month"
    assert rules["group_meeting"].org_kind_list == ["group"]
    assert rules["party_lecture"].period == "quarter"
    assert rules["theme_day"].period == "month"
    assert rules["org_life"].period == "year"
    assert "democratic_life" not in rules


def test_monthly_done_overdue_due_and_future(tree):
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 1, 10))
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 1, 20))
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 3, 5))
    tables = cadence_matrix(year=2024, scope=tree.root.path, today=TODAY)
    cells = _cells(_table(tables, MeetingKind.BRANCH_COMMITTEE), tree.a1)
    assert (cells["2024-01"].done, cells["2024-01"].state) == (2, DONE)
    assert cells["2024-01"].text.startswith("2/1")
    assert (cells["2024-02"].done, cells["2024-02"].state) == (0, OVERDUE)
    assert cells["2024-03"].state == DONE
    assert cells["2024-04"].state == OVERDUE
    assert cells["2024-05"].state == DUE  # the current month, nothing yet
    assert cells["2024-06"].state == NA  # future


def test_only_approved_meetings_count(tree):
    for status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED):
        MeetingFactory(
            organization=tree.a1,
            kind=MeetingKind.BRANCH_COMMITTEE,
            held_on=datetime.date(2024, 2, 3),
            status=status,
        )
    cells = _cells(
        _table(cadence_matrix(year=2024, scope=tree.root.path, today=TODAY), "branch_committee"),
        tree.a1,
    )
    assert cells["2024-02"].done == 0
    assert cells["2024-02"].state == OVERDUE
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 2, 28))
    cells = _cells(
        _table(cadence_matrix(year=2024, scope=tree.root.path, today=TODAY), "branch_committee"),
        tree.a1,
    )
    assert cells["2024-02"].state == DONE


def test_quarterly_rule_and_min_count_from_data(tree):
    _approved(tree.a1, MeetingKind.BRANCH_ASSEMBLY, datetime.date(2024, 2, 1))
    tables = cadence_matrix(year=2024, scope=tree.root.path, today=TODAY)
    cells = _cells(_table(tables, "branch_assembly"), tree.a1)
    assert list(cells) == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert cells["2024-Q1"].state == DONE
    assert cells["2024-Q2"].state == DUE
    CadenceRule.objects.filter(meeting_kind="branch_assembly").update(min_count=2)
    cells = _cells(
        _table(cadence_matrix(year=2024, scope=tree.root.path, today=TODAY), "branch_assembly"),
        tree.a1,
    )
    assert cells["2024-Q1"].state == OVERDUE
    assert cells["2024-Q1"].text.startswith("1/2")


def test_group_meetings_are_required_of_groups_only(tree):
    table = _table(cadence_matrix(year=2024, scope=tree.root.path, today=TODAY), "group_meeting")
    assert [r.organization for r in table.rows] == [tree.a1g]
    committee = _table(
        cadence_matrix(year=2024, scope=tree.root.path, today=TODAY), "branch_committee"
    )
    assert tree.a1g not in [r.organization for r in committee.rows]
    assert {tree.a1, tree.b1, tree.office_branch} <= {r.organization for r in committee.rows}


def test_scope_limits_organisations_and_counts(tree):
    _approved(tree.b1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 1, 10))
    table = _table(cadence_matrix(year=2024, scope=tree.a.path, today=TODAY), "branch_committee")
    assert [r.organization for r in table.rows] == [tree.a1]


def test_inactive_organisations_owe_nothing(tree):
    new = OrganizationFactory(
        kind=Kind.BRANCH, parent=tree.a, established_on=datetime.date(2024, 3, 15)
    )
    gone = OrganizationFactory(
        kind=Kind.BRANCH,
        parent=tree.a,
        established_on=datetime.date(2010, 1, 1),
        dissolved_on=datetime.date(2024, 2, 10),
    )
    OrganizationFactory(
        kind=Kind.BRANCH,
        parent=tree.a,
        established_on=datetime.date(2010, 1, 1),
        dissolved_on=datetime.date(2023, 6, 1),
    )
    table = _table(cadence_matrix(year=2024, scope=tree.a.path, today=TODAY), "theme_day")
    assert len(table.rows) == 3  # a1, new, gone — not the one dissolved in 2023
    new_cells = _cells(table, new)
    assert new_cells["2024-02"].state == NA
    assert new_cells["2024-03"].state == NA  # established mid-month
    assert new_cells["2024-04"].state == OVERDUE
    gone_cells = _cells(table, gone)
    assert gone_cells["2024-01"].state == OVERDUE
    assert gone_cells["2024-02"].state == NA
    assert gone_cells["2024-04"].state == NA


def test_quarter_granularity_multiplies_monthly_requirement(tree):
    for month in (1, 2):
        _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, month, 3))
    tables = cadence_matrix(year=2024, scope=tree.a.path, today=TODAY, periods="quarter")
    cells = _cells(_table(tables, "branch_committee"), tree.a1)
    assert (cells["2024-Q1"].done, cells["2024-Q1"].required) == (2, 3)
    assert cells["2024-Q1"].state == OVERDUE
    org_life = _cells(_table(tables, "org_life"), tree.a1)
    assert list(org_life) == ["2024"]  # a yearly rule is never split finer


def test_quarter_cadence_for_home(tree):
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 4, 3))
    summary = {s.table.meeting_kind: s for s in quarter_cadence(scope=tree.a.path, today=TODAY)}
    committee = summary["branch_committee"]
    assert [c.period.key for c in committee.cells] == ["2024-04", "2024-05"]
    assert committee.done == 1
    assert committee.required == 2
    assert [c.state for c in committee.open_cells] == [DUE]
    assert [c.period.key for c in summary["branch_assembly"].cells] == ["2024-Q2"]
    assert [c.period.key for c in summary["org_life"].cells] == ["2024"]


def test_registered_table_has_urls_and_words(tree):
    _approved(tree.a1, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, 1, 10))
    assert "branches.cadence" in TABLES
    tables = cadence_table(period=Period.year(2024), scope=tree.a.path, today=TODAY)
    committee = next(t for t in tables if t.key == "branches.cadence.branch_committee")
    assert len(committee.columns) == 12
    cell = committee.rows[0].cells[0]
    assert cell.state == DONE
    assert cell.text.startswith("1/1 ")
    assert f"organization={tree.a1.pk}" in cell.url
    assert "kind=branch_committee" in cell.url
    assert "date_from=2024-01-01" in cell.url and "date_to=2024-01-31" in cell.url
    assert cell.value == {"done": 1, "required": 1}


def _grow(tree, n):
    for i in range(n):
        org = OrganizationFactory(kind=Kind.BRANCH, parent=tree.a)
        for month in (1, 2, 3):
            _approved(org, MeetingKind.BRANCH_COMMITTEE, datetime.date(2024, month, 1 + i % 20))
            _approved(org, MeetingKind.THEME_DAY, datetime.date(2024, month, 1 + i % 20))


@pytest.mark.parametrize("size", [2, 30])
def test_query_count_is_flat(tree, size, django_assert_num_queries):
    _grow(tree, size)
    with django_assert_num_queries(4):  # rules, organisations, meetings, full members
        tables = cadence_matrix(year=2024, scope=tree.root.path, today=TODAY)
    assert len(_table(tables, "theme_day").rows) >= size


@pytest.mark.django_db(transaction=True)
def test_default_rules_come_back_after_a_flush():
    """A flushed database (a transactional test, a fresh deployment) gets the default cadence."""
    from django.core.management import call_command

    from branches.models import CadenceRule

    call_command("flush", "--noinput", verbosity=0)
    assert set(CadenceRule.objects.values_list("meeting_kind", flat=True)) >= {
        "branch_committee",
        "group_meeting",
        "theme_day",
    }
