"""The allowance sheet: each serving leader with group, tier and amount; totals add up."""

import datetime
from decimal import Decimal

import pytest

from cadres import services
from cadres.models import GroupLeader
from cadres.selectors import SheetPeriod, allowance_sheet
from chengjiang.access import SYSTEM
from tests.cadres.factories import group_with, make_scale
from tests.factories import VillageFactory, valid_id_number

D = datetime.date
pytestmark = pytest.mark.django_db


def _leader(group, start, end=None):
    leader = services.leader_take_office(
        group=group,
        name="组长",
        gender="M",
        id_number=valid_id_number(),
        started_on=start,
        term_end=D(2029, 4, 30),
        by=SYSTEM,
    )
    if end:
        services.leader_leave(leader=leader, on=end, by=SYSTEM)
    return leader


def _sheet(code):
    return allowance_sheet(leaders=GroupLeader.objects.all(), period=SheetPeriod.parse(code))


def test_month_totals():
    make_scale()
    v = VillageFactory()
    _leader(group_with(v, 100), D(2024, 5, 1))  # tier 1: 600
    _leader(group_with(v, 550), D(2024, 5, 1))  # tier 3: 1000
    _leader(group_with(v, 950), D(2024, 5, 1))  # tier 5: 1500
    group_with(v, 800)  # no leader: not on the sheet
    sheet = _sheet("2024-10")
    assert [r.tier_display for r in sheet.rows] == ["1", "3", "5"]
    assert sheet.total == Decimal("3100.00")
    assert sheet.totals_by_village() == [(v.name, 3, Decimal("3100.00"))]


def test_quarter_with_a_part_month_and_a_population_change():
    make_scale()
    v = VillageFactory()
    g = group_with(v, 450)  # tier 2: 800
    services.group_figures_set(
        group=g,
        effective_from=D(2024, 11, 15),
        population=520,
        households=150,
        workload=0,
        by=SYSTEM,
    )  # tier 3 from 15 Nov: paid from December
    _leader(g, D(2024, 10, 17))  # 15 of 31 days in October
    sheet = _sheet("2024-Q4")
    (row,) = sheet.rows
    october = (Decimal(800) * 15 / 31).quantize(Decimal("0.01"))
    assert row.amount == october + Decimal(800) + Decimal(1000)
    assert row.tier_display == "2→3"
    assert row.days == 15 + 30 + 31
    assert sheet.total == row.amount


def test_scale_change_during_the_quarter():
    make_scale(effective_from=D(2024, 1, 1))
    raised = [(0, 0, 700), (300, 40, 900), (500, 60, 1100), (700, 80, 1300), (900, 100, 1600)]
    make_scale(effective_from=D(2024, 12, 1), tiers=raised, name="调整")
    _leader(group_with(VillageFactory(), 100), D(2024, 1, 1))
    assert _sheet("2024-Q4").total == Decimal("600") * 2 + Decimal("700")


def test_leader_change_mid_month_pays_each_by_days():
    make_scale()
    g = group_with(VillageFactory(), 100)
    _leader(g, D(2024, 1, 1))
    _leader(g, D(2024, 4, 16))  # the first leaves on 15 April
    sheet = _sheet("2024-04")
    assert [r.days for r in sheet.rows] == [15, 15]
    assert sheet.total == Decimal("600.00")


def test_leader_without_a_tier_is_listed_unpaid():
    v = VillageFactory()
    _leader(group_with(v, 100), D(2024, 1, 1))  # no scale at all
    sheet = _sheet("2024-03")
    assert sheet.rows == [] and len(sheet.unpaid) == 1 and sheet.total == 0


@pytest.mark.parametrize("code", ["2024", "2024-13", "2024-Q5", "x"])
def test_bad_period_codes(code):
    with pytest.raises(ValueError):
        SheetPeriod.parse(code)
