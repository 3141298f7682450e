"""The 组织建设 figures count what their sentences say (《中国共产党支部工作条例（试行）》).

* 组织生活会: the figure is rounds (the months in which the 党工委's round was held), and the
  checklist's progress is coverage: branches that held it ÷ branches that owed it; a branch
  established during the year still owes its year-end meeting.
* 调整书记: only a 党支部's secretary replaced; a 党小组's 组长 or a first appointment is not one.
* 三会一课 coverage: each branch's each period held ÷ periods owed, so two meetings in one month
  cannot hide a missed month.
"""

import datetime
from decimal import Decimal

from branches import services
from branches.models import MeetingKind, Organization, Status
from branches.selectors import OVERDUE, cadence_matrix
from chengjiang import measures
from chengjiang.access import SYSTEM
from chengjiang.measures import Period
from tests.factories import MeetingFactory, MemberFactory, OrganizationFactory

D = datetime.date
Y = Period.year(2024)


def value(key, **params):
    return measures.get(key).evaluate(period=Y, scope="", **params).value


def _org_life(org, day):
    return MeetingFactory(
        organization=org, kind=MeetingKind.ORG_LIFE, held_on=day, status=Status.APPROVED
    )


def test_org_life_counts_rounds_and_every_branch_meeting_is_one_round(tree):
    _org_life(tree.office_branch, D(2024, 12, 18))
    _org_life(tree.a1, D(2024, 12, 20))
    _org_life(tree.b1, D(2024, 12, 27))
    assert value("branches.org_life_rounds") == 1  # one round, not three meetings
    MeetingFactory(  # not approved: does not count
        organization=tree.a1, kind=MeetingKind.ORG_LIFE, held_on=D(2024, 6, 3)
    )
    assert value("branches.org_life_rounds") == 1
    _org_life(tree.a1, D(2024, 6, 5))  # a special round in June
    assert value("branches.org_life_rounds") == 2


def test_org_life_coverage_is_branches_held_over_branches_owed(tree):
    # three 党支部 owe it: 机关党支部, 花园村第一党支部, 青桥村第一党支部
    _org_life(tree.a1, D(2024, 12, 20))
    assert value("branches.meeting_coverage", kind="org_life") == Decimal("33.3")
    _org_life(tree.a1, D(2024, 12, 21))  # a second meeting of the same branch adds nothing
    assert value("branches.meeting_coverage", kind="org_life") == Decimal("33.3")
    _org_life(tree.b1, D(2024, 12, 20))
    _org_life(tree.office_branch, D(2024, 12, 20))
    assert value("branches.meeting_coverage", kind="org_life") == Decimal("100")


def test_a_branch_established_mid_year_owes_its_year_end_org_life_meeting(tree):
    for org in (tree.office_branch, tree.a1, tree.b1):
        _org_life(org, D(2024, 12, 20))
    new = OrganizationFactory(
        name="新成立党支部", parent=tree.a, village=tree.va, established_on=D(2024, 7, 1)
    )
    assert value("branches.meeting_coverage", kind="org_life") == Decimal("75")
    _org_life(new, D(2024, 12, 22))
    assert value("branches.meeting_coverage", kind="org_life") == Decimal("100")


def test_coverage_counts_months_held_not_meetings(tree):
    kind = MeetingKind.THEME_DAY  # monthly, owed by every branch
    for org in (tree.office_branch, tree.a1, tree.b1):
        for month in range(1, 13):
            MeetingFactory(
                organization=org, kind=kind, held_on=D(2024, month, 10), status=Status.APPROVED
            )
    assert value("branches.meeting_coverage", kind=kind) == Decimal("100")
    # 花园村第一党支部 misses March and holds two in April: 36 meetings, 35 of 36 months
    march = tree.a1.meetings.get(kind=kind, held_on__month=3)
    march.held_on = D(2024, 4, 20)
    march.save()
    assert value("branches.meetings", kind=kind) == 36
    assert value("branches.meeting_coverage", kind=kind) == Decimal("97.2")


def test_coverage_by_village_and_records(tree):
    kind = MeetingKind.THEME_DAY
    for month in range(1, 13):
        MeetingFactory(
            organization=tree.a1, kind=kind, held_on=D(2024, month, 10), status=Status.APPROVED
        )
    m = measures.get("branches.meeting_coverage")
    result = m.evaluate(period=Y, scope=tree.a.path, kind=kind)
    assert result.value == Decimal("100")
    assert list(result.records) == [tree.a1]
    by_village = m.by_village(period=Y, scope="", kind=kind)
    assert by_village[tree.va.pk] == Decimal("100")
    assert by_village[tree.vb.pk] == Decimal("0")


def test_secretary_changes_count_only_branch_secretaries_replaced(tree):
    old, new = tree.a_members[0], tree.a_members[1]
    services.secretary_appoint(organization=tree.a1, member=old, date=D(2021, 10, 8), by=SYSTEM)
    services.secretary_appoint(organization=tree.a1g, member=old, date=D(2021, 10, 8), by=SYSTEM)
    first = MemberFactory(branch=tree.b1)
    services.secretary_appoint(organization=tree.b1, member=first, date=D(2024, 3, 1), by=SYSTEM)
    kind = "secretary_changed"
    assert value("branches.org_changes", kind=kind) == 0  # a first appointment is no change
    services.secretary_appoint(organization=tree.a1g, member=new, date=D(2024, 5, 1), by=SYSTEM)
    assert value("branches.org_changes", kind=kind) == 0  # a 党小组's 组长 is not a 书记
    assert value("branches.org_changes", kind=kind, org_kind="branch") == 0
    services.secretary_appoint(organization=tree.a1, member=new, date=D(2024, 9, 10), by=SYSTEM)
    assert value("branches.org_changes", kind=kind) == 1
    assert value("branches.org_changes", kind=kind, org_kind="branch") == 1
    assert Organization.objects.get(pk=tree.a1.pk).secretary_on(D(2024, 9, 10)).member == new


def test_the_matrix_shows_a_new_branch_overdue_for_its_year_end_meeting(tree):
    new = OrganizationFactory(
        name="新成立党支部", parent=tree.a, village=tree.va, established_on=D(2024, 7, 1)
    )
    (table,) = cadence_matrix(year=2024, scope="", kinds=["org_life"], today=D(2025, 1, 10))
    (cell,) = next(r for r in table.rows if r.organization == new).cells
    assert (cell.required, cell.state) == (1, OVERDUE)
    # a monthly rule still asks nothing of it before the first whole month
    (monthly,) = cadence_matrix(year=2024, scope="", kinds=["theme_day"], today=D(2025, 1, 10))
    cells = next(r for r in monthly.rows if r.organization == new).cells
    assert [c.required for c in cells] == [0] * 6 + [1] * 6
