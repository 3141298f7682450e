"""Measures of 组织建设, for the checklist (see chengjiang/measures.py)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chengjiang.measures import Period, measure

from .models import Meeting, MeetingKind, Organization, OrgChange, Status, TalkParticipant


@measure(
    "branches.meetings",
    label=_("meetings held"),
    unit=_("times"),
    params={"kind": MeetingKind},
    village_field="organization__village",
    date_field="held_on",
)
def meetings(*, period: Period, scope: str, kind: str | None = None) -> QuerySet:
    """Approved meetings held in the period (of one kind, if given)."""
    qs = Meeting.objects.within(scope).filter(
        status=Status.APPROVED, held_on__range=(period.start, period.end)
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("organization")


@measure(
    "branches.talk_person_times",
    label=_("heart-to-heart talks"),
    unit=_("person-times"),
    village_field="talk__organization__village",
    date_field="talk__held_on",
)
def talk_person_times(*, period: Period, scope: str) -> QuerySet:
    """People talked with in approved talks: one person in one talk is one person-time."""
    return (
        TalkParticipant.objects.within(scope)
        .filter(talk__status=Status.APPROVED, talk__held_on__range=(period.start, period.end))
        .select_related("talk", "member")
    )


@measure(
    "branches.org_changes",
    label=_("organisation changes"),
    unit=_("items"),
    params={
        "kind": OrgChange.Kind,
        "org_kind": Organization.Kind,
    },
    village_field="organization__village",
    date_field="date",
)
def org_changes(
    *, period: Period, scope: str, kind: str | None = None, org_kind: str | None = None
) -> QuerySet:
    """Changes to the tree in the period: e.g. branches established, groups set up."""
    qs = OrgChange.objects.within(scope).filter(date__range=(period.start, period.end))
    if kind:
        qs = qs.filter(kind=kind)
    if org_kind:
        qs = qs.filter(organization__kind=org_kind)
    return qs.select_related("organization")
