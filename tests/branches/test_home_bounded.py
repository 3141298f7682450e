"""The office's home stays the same size whatever the tree (issue 12): bounded lists with totals."""

import datetime

from django.urls import reverse
from django.utils import timezone

from branches import selectors
from branches.models import Organization
from tests.factories import MemberFactory, OrganizationFactory


def test_size_warnings_are_bounded_and_counted(tree, users, login):
    for n in range(25):  # 25 one-member branches: each under the 3 full members a branch needs
        branch = OrganizationFactory(
            name=f"小支部{n:02d}",
            kind=Organization.Kind.BRANCH,
            parent=tree.b,
            village=tree.vb,
            established_on=datetime.date(2010, 1, 1),
        )
        MemberFactory(branch=branch)
    page = login(users.office).get(reverse("branches:home")).content.decode()
    section = page[
        page.index('id="size-title"') : page.index("</section>", page.index('id="size-title"'))
    ]
    assert section.count('class="list-group-item"') == 20
    total = len(selectors.size_warnings(scope=tree.root.path, on=timezone.localdate()))
    assert total >= 25
    assert f"共{total}条提醒" in section


def test_a_warm_home_reads_no_meetings_and_a_write_shows_at_once(tree, users, login):
    """The cadence sections come from a cache keyed by the data version (issue 12)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from branches import services
    from branches.models import MeetingKind, Status
    from tests.factories import MeetingFactory

    client = login(users.office)
    url = reverse("branches:home")
    client.get(url)  # cold: computes and caches
    with CaptureQueriesContext(connection) as warm:
        page = client.get(url).content.decode()
    cadence = ('FROM "branches_cadencerule"',)  # cadence_matrix's first read
    assert not any(c in q["sql"] for q in warm.captured_queries for c in cadence)
    assert page.count("branches-cell-") > 0  # the cached sections are on the warm page
    done_before = {
        s.table.meeting_kind: s.done
        for s in selectors.quarter_cadence(scope=tree.root.path, today=timezone.localdate())
    }
    meeting = MeetingFactory(
        organization=tree.a1,
        kind=MeetingKind.THEME_DAY,
        held_on=timezone.localdate().replace(day=1),
        status=Status.SUBMITTED,
    )
    services.meeting_approve(meeting=meeting, by=users.office)
    with CaptureQueriesContext(connection) as after_write:
        response = client.get(url)
    assert all(any(c in q["sql"] for q in after_write.captured_queries) for c in cadence)
    done = {s.table.meeting_kind: s.done for s in response.context["cadence"].quarter}
    assert done[MeetingKind.THEME_DAY] == done_before[MeetingKind.THEME_DAY] + 1
