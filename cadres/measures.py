"""Measures of 队伍建设, for the checklist (see chengjiang/measures.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chengjiang.measures import Period, measure

from .models import Candidate, Pairing, ReserveCadre, Step, VillageGroup

TIERS = {str(level): _("Tier %(level)s") % {"level": level} for level in range(1, 6)}


@measure(
    "cadres.group_leaders_elected",
    label=_("group leaders elected"),
    unit=_("persons"),
    village_field="group__village",
    date_field="election_on",
)
def group_leaders_elected(*, period: Period, scope: str) -> QuerySet:
    """Candidates elected group leader by 两荐一考一选 in the period."""
    return (
        Candidate.objects.within(scope)
        .filter(stage=Candidate.Stage.ELECTED, election_on__range=(period.start, period.end))
        .select_related("group__village")
    )


@measure(
    "cadres.candidates_by_step",
    label=_("group-leader candidates"),
    unit=_("persons"),
    params={
        "stage": Candidate.Stage,
        "stopped_at": Step,
    },
    village_field="group__village",
)
def candidates_by_step(
    *, period: Period, scope: str, stage: str | None = None, stopped_at: str | None = None
) -> QuerySet:
    """Candidates of rounds announced in the period, by stage reached or step stopped at."""
    qs = Candidate.objects.within(scope).filter(
        round__announced_on__range=(period.start, period.end)
    )
    if stage:
        qs = qs.filter(stage=stage)
    if stopped_at:
        qs = qs.filter(stopped_at=stopped_at)
    return qs.select_related("group__village")


@measure(
    "cadres.groups_by_tier",
    label=_("village groups by pay tier"),
    unit=_("groups"),
    params={"tier": TIERS},
    village_field="village",
)
def groups_by_tier(*, period: Period, scope: str, tier: str | int | None = None) -> QuerySet:
    """Village groups with the tier in force on the period's last day (of one tier, if given)."""
    qs = VillageGroup.objects.within(scope).with_tier(period.end).filter(tier_level__isnull=False)
    if tier:
        qs = qs.filter(tier_level=int(tier))
    return qs.select_related("village")


@measure(
    "cadres.reserve_cadres_recruited",
    label=_("reserve cadres recruited"),
    unit=_("persons"),
    village_field="village",
    date_field="recruited_on",
)
def reserve_cadres_recruited(*, period: Period, scope: str) -> QuerySet:
    """Reserve cadres who came through the open recruitment (公开招考) and were hired in the
    period, for the villages in the scope; one entered without a recruitment is not counted."""
    return (
        ReserveCadre.objects.within(scope)
        .filter(applicant__isnull=False, recruited_on__range=(period.start, period.end))
        .select_related("village")
    )


@measure(
    "cadres.pairings",
    label=_("mentoring pairings"),
    unit=_("pairs"),
    params={"mode": Pairing.Mode},
    village_field="reserve_cadre__village",
    date_field="started_on",
)
def pairings(*, period: Period, scope: str, mode: str | None = None) -> QuerySet:
    """Pairings active at some time in the period (one-to-one or many-to-one, if given)."""
    qs = Pairing.objects.within(scope).active_between(period.start, period.end)
    if mode:
        qs = qs.filter(mode=mode)
    return qs.select_related("reserve_cadre__village")
