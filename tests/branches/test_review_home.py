"""Issue 10 §3: each role lands on a home that fits. Secretaries: what is due, their own drafts
and returns. Office: the 待审核 queue (oldest first, with village and age), villages behind on
三会一课, imports. Leadership: the dashboard."""

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branches.models import Meeting, MeetingKind, Status, Talk
from tests.conftest import PASSWORD
from tests.factories import UserFactory

DAY = datetime.date(2024, 3, 10)


def _meeting(org, topic, **kw):
    return Meeting.objects.create(
        kind=MeetingKind.BRANCH_COMMITTEE, organization=org, held_on=DAY, topic=topic, **kw
    )


def test_my_drafts_are_my_own_not_everyones(tree, users, login):
    from chengjiang.accounts import roles

    colleague = UserFactory(organization=tree.a, role=roles.SECRETARY)
    _meeting(tree.a1, "甲书记的会议草稿", recorded_by=users.sec_a)
    _meeting(tree.a1, "同事的草稿", recorded_by=colleague)
    _meeting(tree.a1, "导入的草稿")
    Talk.objects.create(
        organization=tree.a1,
        held_on=DAY,
        talker_name="甲",
        topic="我被退回的谈话",
        status=Status.RETURNED,
        return_reason="请补充",
        recorded_by=users.sec_a,
    )
    Talk.objects.create(
        organization=tree.a1,
        held_on=DAY,
        talker_name="乙",
        topic="同事被退回的谈话",
        status=Status.RETURNED,
        recorded_by=colleague,
    )
    body = login(users.sec_a).get(reverse("branches:home")).content.decode()
    assert "甲书记的会议草稿" in body and "我被退回的谈话" in body
    assert "同事的草稿" not in body and "导入的草稿" not in body
    assert "同事被退回的谈话" not in body
    other = login(colleague).get(reverse("branches:home")).content.decode()
    assert "同事的草稿" in other and "甲书记的会议草稿" not in other


def test_office_home_shows_the_queue_oldest_first_with_village_and_age(tree, users, login):
    now = timezone.now()
    _meeting(tree.a1, "较新的会议", status=Status.SUBMITTED, submitted_at=now)
    _meeting(
        tree.b1,
        "最早的会议",
        status=Status.SUBMITTED,
        submitted_at=now - datetime.timedelta(days=3),
    )
    Talk.objects.create(
        organization=tree.a1,
        held_on=DAY,
        talker_name="甲",
        topic="中间的谈话",
        status=Status.SUBMITTED,
        submitted_at=now - datetime.timedelta(days=1),
    )
    _meeting(tree.a1, "草稿不在队列", recorded_by=users.sec_a)
    _meeting(tree.a1, "已审核不在队列", status=Status.APPROVED)

    resp = login(users.office).get(reverse("branches:home"))
    assert resp.status_code == 200
    queue = resp.context["queue"]
    assert [r.topic for r in queue.items] == ["最早的会议", "中间的谈话", "较新的会议"]
    assert queue.total == 3
    body = resp.content.decode()
    section = body[body.index('id="queue-title"') : body.index('id="behind-title"')]
    assert "草稿不在队列" not in section and "已审核不在队列" not in section
    assert "待审核" in section
    assert "青桥村" in section and "花园村" in section  # the village of each record
    assert "已等待 3\xa0日" in section  # its age
    assert f"{reverse('admin:branches_meeting_changelist')}?queue=pending" in section
    # each item opens the record's page, where the review buttons are
    assert Meeting.objects.get(topic="最早的会议").get_absolute_url() in section


def test_secretary_and_leader_homes_have_no_queue(tree, users, login):
    _meeting(tree.a1, "待审核会议", status=Status.SUBMITTED, submitted_at=timezone.now())
    for user in (users.sec_a, users.leader):
        resp = login(user).get(reverse("branches:home"))
        assert "queue" not in resp.context
        assert 'id="queue-title"' not in resp.content.decode()


def test_office_home_names_villages_behind_and_links_imports(tree, users, login):
    """No approved meetings at all this year: once a month has passed, every village is behind."""
    today = timezone.localdate()
    resp = login(users.office).get(reverse("branches:home"))
    behind = resp.context["cadence"].behind
    if today.month > 1:
        assert {str(b.village) for b in behind} == {"花园村", "青桥村"}
        assert all(b.overdue > 0 and b.kinds for b in behind)
    body = resp.content.decode()
    assert reverse("admin:branches_member_import") in body
    assert reverse("admin:branches_meeting_import") in body
    sec = login(users.sec_a).get(reverse("branches:home")).content.decode()
    assert reverse("admin:branches_member_import") not in sec


def test_village_with_its_meetings_held_is_not_behind(tree, users, login):
    """Every required meeting of 花园村 approved up to mid-2024: only 青桥村 is behind."""
    from branches.selectors import OVERDUE, cadence_matrix, villages_behind

    today = datetime.date(2024, 6, 30)
    before = villages_behind(scope=tree.root.path, today=today)
    assert {str(b.village) for b in before} == {"花园村", "青桥村"}
    for table in cadence_matrix(year=today.year, scope=tree.a.path, today=today):
        for row in table.rows:
            for cell in row.cells:
                if cell.state == OVERDUE:
                    for _ in range(cell.required - cell.done):
                        Meeting.objects.create(
                            kind=cell.meeting_kind,
                            organization=row.organization,
                            held_on=cell.period.start,
                            topic="补齐",
                            status=Status.APPROVED,
                        )
    after = villages_behind(scope=tree.root.path, today=today)
    assert [str(b.village) for b in after] == ["青桥村"]
    assert after[0].overdue == next(b for b in before if str(b.village) == "青桥村").overdue


def _login_form(username, next_url=None):
    client = Client()
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD})


def test_each_role_lands_on_its_home_after_login(tree, users):
    assert _login_form("leader")["Location"] == reverse("worktasks:dashboard")
    assert _login_form("leader", "/")["Location"] == reverse("worktasks:dashboard")
    assert _login_form("office")["Location"] == reverse("branches:home")
    assert _login_form("sec_a")["Location"] == reverse("branches:home")
    # a page the user asked for still wins
    wanted = reverse("branches:meeting_list")
    assert _login_form("leader", wanted)["Location"] == wanted


def test_office_home_query_budget(tree, users, login, django_assert_max_num_queries):
    for i in range(8):
        _meeting(tree.a1, f"会议 {i}", status=Status.SUBMITTED, submitted_at=timezone.now())
        Talk.objects.create(
            organization=tree.b1,
            held_on=DAY,
            talker_name="甲",
            topic=f"谈话 {i}",
            status=Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
    client = login(users.office)
    client.get(reverse("branches:home"))  # warm caches (sessions, permissions)
    # 25, then 8 for the 组织委员's checks: the cadence's full members (1), re-elections due (2),
    # size warnings (3), probation past its year (2)
    with django_assert_max_num_queries(33):
        resp = client.get(reverse("branches:home"))
    assert len(resp.context["queue"].items) == 16
