"""Measures of 组织建设, for the checklist (see chengjiang/measures.py)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chengjiang.measures import Cell, Period, Table, TableRow, measure, table

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


def _year_meetings_url(org: Organization, kind: str, period: Period) -> str:
    """The portal's list of an organisation's approved meetings of a kind in the period."""
    from django.urls import reverse
    from django.utils.http import urlencode

    query = {
        "organization": org.pk,
        "kind": kind,
        "status": Status.APPROVED,
        "date_from": period.start.isoformat(),
        "date_to": period.end.isoformat(),
    }
    return f"{reverse('branches:meeting_list')}?{urlencode(query)}"


@table("branches.cadence", label=_("Three meetings and one lesson: due vs done"))
def cadence(*, period: Period, scope: str, today=None, periods: str | None = None) -> list[Table]:
    """One table per required meeting kind: organisations × periods of the period's year."""
    from .selectors import cadence_matrix

    tables = []
    for kind_table in cadence_matrix(
        year=period.start.year, scope=scope, today=today, periods=periods
    ):
        rule = kind_table.rule
        tables.append(
            Table(
                key=f"branches.cadence.{rule.meeting_kind}",
                title=rule.get_meeting_kind_display(),
                columns=[p.label for p in kind_table.periods],
                rows=[
                    TableRow(
                        label=row.organization.name,
                        url=_year_meetings_url(row.organization, rule.meeting_kind, period),
                        cells=[
                            Cell(
                                text=c.text,
                                state=c.state,
                                url=c.url,
                                value={"done": c.done, "required": c.required},
                            )
                            for c in row.cells
                        ],
                    )
                    for row in kind_table.rows
                ],
                note=_("Required: at least %(count)d, %(period)s; only approved meetings count.")
                % {"count": rule.min_count, "period": rule.get_period_display()},
            )
        )
    return tables
