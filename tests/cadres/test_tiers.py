"""A group's pay tier is computed from its dated figures and the scale in force on a date."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.models import MSG_FIRST_TIER_FROM_ZERO, MSG_TIER_COUNT, MSG_TIERS_INCREASE, VillageGroup
from chengjiang.access import SYSTEM
from tests.cadres.factories import TIERS, group_with, make_scale
from tests.factories import VillageFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def tier_on(group, date):
    return VillageGroup.objects.with_tier(date).get(pk=group.pk).tier_level


@pytest.mark.parametrize(
    ("population", "workload", "tier"),
    [
        (0, 0, 1),
        (299, 39, 1),  # just below tier 2 on both
        (300, 0, 2),  # population bound reached
        (0, 40, 2),  # workload bound reached
        (499, 59, 2),
        (500, 59, 3),
        (699, 79, 3),
        (700, 0, 4),
        (899, 99, 4),
        (900, 0, 5),
        (10, 100, 5),
        (5000, 500, 5),
    ],
)
def test_tier_at_the_bounds(population, workload, tier):
    make_scale()
    group = group_with(VillageFactory(), population, workload)
    assert tier_on(group, D(2024, 6, 1)) == tier
    # the Python path agrees with the SQL path
    assert group.tier_on(D(2024, 6, 1)).level == tier


def test_no_tier_before_any_scale_or_figures():
    make_scale(effective_from=D(2024, 1, 1))
    group = group_with(VillageFactory(), 600, since=D(2024, 3, 1))
    assert tier_on(group, D(2023, 12, 31)) is None  # no scale in force
    assert tier_on(group, D(2024, 2, 1)) is None  # no figures yet
    assert tier_on(group, D(2024, 3, 1)) == 3


def test_scale_change_moves_the_tier_from_its_date_and_keeps_history():
    make_scale(effective_from=D(2024, 1, 1))
    raised = [(0, 0, 700), (400, 50, 900), (600, 70, 1100), (800, 90, 1300), (1000, 110, 1600)]
    make_scale(effective_from=D(2025, 1, 1), tiers=raised, name="2025版")
    group = group_with(VillageFactory(), 550, 55)
    assert tier_on(group, D(2024, 12, 31)) == 3
    assert tier_on(group, D(2025, 1, 1)) == 2
    annotated = VillageGroup.objects.with_tier(D(2025, 1, 1)).get(pk=group.pk)
    assert annotated.tier_allowance == Decimal("900")
    assert VillageGroup.objects.with_tier(D(2024, 6, 1)).get(pk=group.pk).tier_allowance == 1000


def test_population_change_moves_the_tier_from_its_date():
    make_scale()
    group = group_with(VillageFactory(), 450, 50)
    services.group_figures_set(
        group=group,
        effective_from=D(2024, 7, 1),
        population=520,
        households=160,
        workload=50,
        by=SYSTEM,
    )
    assert tier_on(group, D(2024, 6, 30)) == 2
    assert tier_on(group, D(2024, 7, 1)) == 3
    assert group.figures.count() == 2


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (TIERS[:4], MSG_TIER_COUNT),
        ([(10, 0, 600), *TIERS[1:]], MSG_FIRST_TIER_FROM_ZERO),
        ([TIERS[0], (300, 40, 800), (300, 60, 1000), *TIERS[3:]], MSG_TIERS_INCREASE),
        ([TIERS[0], (300, 40, 800), (500, 60, 700), *TIERS[3:]], MSG_TIERS_INCREASE),
    ],
)
def test_scale_refuses_bad_tiers(tiers, message):
    with pytest.raises(ValidationError) as exc:
        services.pay_scale_create(
            name="错误",
            effective_from=D(2024, 1, 1),
            tiers=[services.TierSpec(i + 1, p, w, Decimal(a)) for i, (p, w, a) in enumerate(tiers)],
            by=SYSTEM,
        )
    assert str(message) in exc.value.messages
