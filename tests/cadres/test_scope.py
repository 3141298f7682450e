"""Scope on the portal pages: each role × in-scope and out-of-scope; writes need permission."""

import datetime

import pytest
from django.urls import reverse

from cadres.models import MentoringLog

D = datetime.date

LIST_PAGES = [
    "cadres:home",
    "cadres:group_list",
    "cadres:leader_list",
    "cadres:allowance_sheet",
    "cadres:allowance_sheet_xlsx",
    "cadres:reserve_list",
    "cadres:pairing_list",
]


def detail_urls(recs):
    return [
        reverse("cadres:group_detail", args=[recs.groups[0].pk]),
        reverse("cadres:reserve_detail", args=[recs.cadre.pk]),
        reverse("cadres:pairing_detail", args=[recs.pairing.pk]),
    ]


@pytest.mark.parametrize("role", ["office", "sec_a", "sec_b", "leader"])
@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_answer_every_role(records, users, login, role, name):
    response = login(getattr(users, role)).get(reverse(name), {"period": "2024-12"})
    assert response.status_code == 200


def test_secretary_sees_only_own_village_in_lists(records, users, login):
    client = login(users.sec_a)
    for name in (
        "cadres:group_list",
        "cadres:leader_list",
        "cadres:reserve_list",
        "cadres:pairing_list",
    ):
        html = client.get(reverse(name), {"all": "1"}).content.decode()
        assert "花园" in html and "青桥" not in html, name
    sheet = client.get(reverse("cadres:allowance_sheet"), {"period": "2024-12"})
    assert [r.leader.group.village for r in sheet.context["sheet"].rows] == [
        records.a.groups[0].village
    ] * 2


def test_secretary_gets_404_for_the_other_village(records, users, login):
    client = login(users.sec_a)
    for url in detail_urls(records.b):
        assert client.get(url).status_code == 404, url
    for url in detail_urls(records.a):
        assert client.get(url).status_code == 200, url


def test_other_secretary_mirrors(records, users, login):
    client = login(users.sec_b)
    for url in detail_urls(records.a):
        assert client.get(url).status_code == 404, url


def test_office_and_leadership_see_both_villages(records, users, login):
    for user in (users.office, users.leader):
        client = login(user)
        for url in detail_urls(records.a) + detail_urls(records.b):
            assert client.get(url).status_code == 200, url


def _post_log(client, pairing, mentor):
    return client.post(
        reverse("cadres:pairing_log_add", args=[pairing.pk]),
        {"date": "2024-12-10", "mentor": mentor.pk, "content": "讲解村务公开流程"},
    )


def test_secretary_adds_a_log_entry_for_own_village(records, users, login):
    client = login(users.sec_a)
    response = _post_log(client, records.a.pairing, records.a.mentors[0])
    assert response.status_code == 302
    log = MentoringLog.objects.get()
    assert log.recorded_by == users.sec_a and log.pairing == records.a.pairing


def test_secretary_gets_404_writing_to_the_other_village(records, users, login):
    response = _post_log(login(users.sec_a), records.b.pairing, records.b.mentors[0])
    assert response.status_code == 404
    assert not MentoringLog.objects.exists()


def test_leadership_gets_403_on_writes(records, users, login):
    client = login(users.leader)
    response = _post_log(client, records.a.pairing, records.a.mentors[0])
    assert response.status_code == 403
    assert not MentoringLog.objects.exists()
    page = client.get(reverse("cadres:pairing_detail", args=[records.a.pairing.pk]))
    assert page.context["form"] is None


def test_log_with_a_mentor_of_another_pairing_is_refused(records, users, login):
    response = _post_log(login(users.office), records.a.pairing, records.b.mentors[0])
    assert response.status_code == 400
    assert not MentoringLog.objects.exists()


def test_anonymous_is_sent_to_login(records, client):
    response = client.get(reverse("cadres:home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_lists_are_scoped(records, users, login):
    """Office staff see both villages in the admin; a staff secretary would see only theirs."""
    client = login(users.office)
    html = client.get(reverse("admin:cadres_villagegroup_changelist")).content.decode()
    assert "花园组0" in html and "青桥组0" in html
    users.sec_a.is_staff = True
    users.sec_a.save()
    client = login(users.sec_a)
    response = client.get(reverse("admin:cadres_pairing_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [records.a.pairing]
    other = reverse("admin:cadres_pairing_change", args=[records.b.pairing.pk])
    assert client.get(other).status_code in (302, 404)


def test_measures_follow_scope(records, tree):
    from chengjiang import measures
    from chengjiang.measures import Period

    m = measures.get("cadres.pairings")
    assert m.evaluate(period=Period.year(2024), scope=tree.a.path).value == 1
    assert m.evaluate(period=Period.year(2024), scope=tree.root.path).value == 2
    assert m.by_village(period=Period.year(2024), scope=tree.root.path) == {
        tree.va.pk: 1,
        tree.vb.pk: 1,
    }
