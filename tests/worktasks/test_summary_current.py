"""The monthly summary is current after every write, and pages read it instead of the records."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import services as branches_services
from branches.models import Meeting, MeetingKind, Status
from chengjiang.access import SYSTEM
from chengjiang.measures import Period, get
from chengjiang.worktasks import summary
from chengjiang.worktasks.models import MonthlyFigure
from tests.factories import MeetingFactory, TalkFactory

from .factories import TaskFactory

KIND = MeetingKind.DEMOCRATIC_LIFE
MEETINGS = "branches.meetings"


def _total(org, key=MEETINGS, params=None, year=2024, month=None):
    rows = MonthlyFigure.objects.filter(
        measure_key=key, params=summary.params_key(params), organization=org, year=year
    )
    if month:
        rows = rows.filter(month=month)
    return sum(rows.values_list("total", flat=True))


def _dashboard_value(client, org=None):
    url = reverse("worktasks:dashboard") + "?year=2024" + (f"&org={org.pk}" if org else "")
    return client.get(url).context["progress"].tasks[0].value


def test_a_meeting_counts_up_the_tree_when_approved_and_not_before(tree, users):
    meeting = MeetingFactory(organization=tree.a1, kind=KIND, status=Status.SUBMITTED)
    assert _total(tree.root, params={"kind": KIND}) == 0
    branches_services.meeting_approve(meeting=meeting, by=SYSTEM)
    for org in (tree.a1, tree.a, tree.root):
        assert _total(org, params={"kind": KIND}, month=3) == 1
        assert _total(org) == 1  # every kind
    assert _total(tree.b, params={"kind": KIND}) == 0
    own = MonthlyFigure.objects.get(
        measure_key=MEETINGS, params=summary.params_key({"kind": KIND}), organization=tree.a1
    )
    assert (own.own, own.total) == (1, 1)


def test_changing_deleting_and_moving_a_meeting_moves_its_figure(tree, users, login):
    TaskFactory(responsible=tree.root, target=4)
    client = login(users.office)
    first = MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    MeetingFactory(organization=tree.b1, kind=KIND, status=Status.APPROVED)
    assert _dashboard_value(client) == 2
    assert _dashboard_value(client, tree.a) == 1

    first.held_on = datetime.date(2024, 7, 1)
    first.save()
    assert _total(tree.root, params={"kind": KIND}, month=3) == 1
    assert _total(tree.root, params={"kind": KIND}, month=7) == 1

    first.organization = tree.b1
    first.save()
    assert _dashboard_value(client, tree.a) == 0
    assert _dashboard_value(client, tree.b) == 2

    first.status = Status.RETURNED
    first.save()
    assert _dashboard_value(client) == 1
    Meeting.objects.get(organization=tree.b1, status=Status.APPROVED).delete()
    assert _dashboard_value(client) == 0
    assert _total(tree.root) == 0


def test_talk_participants_follow_their_talk(tree, users):
    talk = TalkFactory(organization=tree.a1, status=Status.APPROVED)
    key = "branches.talk_person_times"
    talk.participants.create(member=tree.a_members[0])
    talk.participants.create(member=tree.a_members[1])
    assert _total(tree.root, key=key) == 2
    talk.status = Status.RETURNED
    talk.save()
    assert _total(tree.root, key=key) == 0


def test_the_rebuild_gives_the_rows_kept_on_write(tree, users):
    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    MeetingFactory(organization=tree.a1g, kind=MeetingKind.GROUP_MEETING, status=Status.APPROVED)
    MeetingFactory(organization=tree.b1, kind=KIND, status=Status.APPROVED, held_on="2023-05-02")
    fields = ("measure_key", "params", "organization_id", "year", "month", "own", "total")

    def rows():
        return sorted(MonthlyFigure.objects.filter(total__gt=0).values_list(*fields))

    kept = rows()
    assert kept
    calls = []
    summary.rebuild_summaries(progress=lambda done, total: calls.append((done, total)))
    assert rows() == kept
    assert calls and calls[-1][0] == calls[-1][1]


def test_the_figure_from_the_summary_equals_the_records(tree, users):
    for org, month in ((tree.a1, 1), (tree.a1g, 2), (tree.b1, 2), (tree.office_branch, 12)):
        MeetingFactory(
            organization=org, kind=KIND, status=Status.APPROVED, held_on=f"2024-{month:02d}-05"
        )
    m = get(MEETINGS)
    rounds = get("branches.org_life_rounds")
    for scope in ("", tree.root.path, tree.a.path, tree.b1.path):
        for period in (Period.year(2024), summary.month_period(2024, 2)):
            live = m.evaluate(period=period, scope=scope, kind=KIND).value
            assert summary.value(m, period=period, scope=scope, params={"kind": KIND}) == live
    for org in (tree.a1, tree.b1):
        MeetingFactory(organization=org, kind=MeetingKind.ORG_LIFE, status=Status.APPROVED)
    live = rounds.evaluate(period=Period.year(2024), scope=tree.root.path).value
    assert live == 1
    assert summary.value(rounds, period=Period.year(2024), scope=tree.root.path) == live


def test_a_moved_subtree_takes_its_figures_along(tree, users):
    MeetingFactory(organization=tree.a1g, kind=MeetingKind.GROUP_MEETING, status=Status.APPROVED)
    assert _total(tree.a) == 1
    branches_services.organization_move(
        organization=tree.a1, new_parent=tree.b, date=datetime.date(2024, 6, 1), by=SYSTEM
    )
    assert _total(tree.a) == 0
    assert _total(tree.b) == 1
    assert _total(tree.root) == 1


def test_the_dashboard_and_report_do_not_read_the_meetings(tree, users, login):
    """For the widest scope (below a sub-district, the 三会一课 grid reads its own subtree's)."""
    TaskFactory(responsible=tree.root, target=4)
    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    client = login(users.office)
    table = Meeting._meta.db_table
    for url in (
        reverse("worktasks:dashboard") + "?year=2024",
        reverse("worktasks:dashboard") + f"?year=2024&org={tree.root.pk}",
        reverse("worktasks:report", args=[2024]),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        raw = [q["sql"] for q in ctx.captured_queries if f'"{table}"' in q["sql"]]
        assert not raw, f"{url} read the meetings: {raw[:2]}"


def test_a_bulk_write_sets_the_summary_aside_until_rebuilt(tree, users, login):
    """An import writes rows without a signal per row: figures come from the records until
    the rebuild, never from a summary that missed them."""
    from chengjiang import measures

    TaskFactory(responsible=tree.root, target=4)
    client = login(users.office)
    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    assert _dashboard_value(client) == 1
    Meeting.objects.bulk_create(
        [Meeting(organization=tree.b1, kind=KIND, status=Status.APPROVED, held_on="2024-04-01")]
    )
    measures.records_bulk_written.send(sender=Meeting)
    assert not summary.is_built()
    assert _dashboard_value(client) == 2
    summary.rebuild_summaries()
    assert summary.is_built()
    assert _total(tree.root, params={"kind": KIND}) == 2
    assert _dashboard_value(client) == 2


def test_many_writes_set_the_summary_aside_and_build_it_once_at_the_end(tree, users):
    """The demo (and any run of many service writes) keeps no summary row per write: the summary
    is set aside while they run and rebuilt once, in the same transaction, when they end."""
    from chengjiang import measures

    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    assert summary.is_built()
    table = MonthlyFigure._meta.db_table
    with measures.writing_many():
        assert not summary.is_built()
        with CaptureQueriesContext(connection) as ctx:
            MeetingFactory(organization=tree.b1, kind=KIND, status=Status.APPROVED)
            MeetingFactory(organization=tree.a1g, kind=KIND, status=Status.APPROVED)
        kept = [q["sql"] for q in ctx.captured_queries if f'"{table}"' in q["sql"]]
        assert not kept, f"a write inside writing_many() kept the summary: {kept[:1]}"
    assert summary.is_built()
    assert _total(tree.root, params={"kind": KIND}) == 3
    assert _total(tree.b, params={"kind": KIND}) == 1


def test_many_writes_that_fail_leave_the_summary_as_it_was(tree, users):
    from chengjiang import measures

    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    try:
        with transaction.atomic(), measures.writing_many():
            MeetingFactory(organization=tree.b1, kind=KIND, status=Status.APPROVED)
            raise RuntimeError("the demo failed half-way")
    except RuntimeError:
        pass
    assert summary.is_built()
    assert _total(tree.root, params={"kind": KIND}) == 1


TALKS = "branches.talk_person_times"


def _own_talks(org):
    """The summary's own count of ``org`` for people talked with in approved talks, March 2024."""
    row = MonthlyFigure.objects.filter(
        measure_key=TALKS, organization=org, year=2024, month=3
    ).first()
    return row.own if row else 0


@pytest.mark.postgres
@pytest.mark.parametrize("first_of_month", [True, False], ids=["no-row-yet", "row-stored"])
def test_two_approvals_at_once_both_count(transactional_db, tree, users, first_of_month):
    """Two connections approve a talk each of one organisation and month at the same time: the
    summary counts both (the second waits on the month's stored row, or on the first's new row
    when there was none, and counts what the first committed)."""
    import threading
    import time

    from django.db import close_old_connections

    from branches.models import Talk, TalkParticipant

    def talk(status):
        t = Talk.objects.create(
            organization=tree.a1,
            held_on=datetime.date(2024, 3, 5),
            talker_name="书记",
            topic="谈心谈话",
            status=status,
        )
        TalkParticipant.objects.create(talk=t, name="群众")
        return t

    if not first_of_month:
        talk(Status.APPROVED)
    pending = [talk(Status.SUBMITTED), talk(Status.SUBMITTED)]
    before = _own_talks(tree.a1)
    written, errors = threading.Event(), []

    def approve(t, hold):
        try:
            with transaction.atomic():
                branches_services.talk_approve(talk=t, by=users.office)
                if hold:
                    written.set()
                    time.sleep(0.3)  # the other approval runs now, and waits where it must
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    first = threading.Thread(target=approve, args=(pending[0], True))
    first.start()
    written.wait(5)
    second = threading.Thread(target=approve, args=(pending[1], False))
    second.start()
    first.join(15)
    second.join(15)
    assert not errors, errors
    assert _own_talks(tree.a1) == before + 2
    counted = get(TALKS).evaluate(
        period=Period(datetime.date(2024, 3, 1), datetime.date(2024, 3, 31)), scope=""
    )
    assert _total(tree.root, key=TALKS, month=3) == counted.value == before + 2
