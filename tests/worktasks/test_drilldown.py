"""Every figure opens its records, scoped: a village secretary never sees another village's."""

import datetime

from django.urls import reverse

URL = reverse("worktasks:drilldown", args=["branches.meetings"])


def test_drilldown_lists_the_records_behind_the_figure(tree, users, login, meeting):
    a = meeting(tree.a1, topic="花园村会议")
    b = meeting(tree.b1, topic="青桥村会议")
    meeting(tree.b1, kind="org_life", topic="别的会")
    response = login(users.office).get(URL, {"year": 2024, "kind": "democratic_life"})
    assert response.status_code == 200
    body = response.content.decode()
    assert a.topic in body and b.topic in body and "别的会" not in body
    assert response.context["value"] == "2"


def test_secretary_sees_only_own_village_records(tree, users, login, meeting):
    meeting(tree.a1, topic="花园村会议")
    meeting(tree.b1, topic="青桥村会议")
    client = login(users.sec_a)
    body = client.get(URL, {"year": 2024}).content.decode()
    assert "花园村会议" in body and "青桥村会议" not in body
    assert client.get(URL, {"year": 2024, "village": tree.va.pk}).status_code == 200


def test_secretary_cannot_open_the_other_village(tree, users, login, meeting):
    meeting(tree.b1, topic="青桥村会议")
    client = login(users.sec_a)
    assert client.get(URL, {"year": 2024, "village": tree.vb.pk}).status_code == 404
    assert client.get(URL, {"year": 2024, "org": tree.b.pk}).status_code == 404
    assert client.get(URL, {"year": 2024, "org": tree.b1.pk}).status_code == 404


def test_unknown_measure_or_parameter_value_is_404(users, login):
    client = login(users.office)
    assert client.get(reverse("worktasks:drilldown", args=["no.such"])).status_code == 404
    assert client.get(URL, {"year": 2024, "kind": "picnic"}).status_code == 404


def test_month_narrows_the_period(tree, users, login, meeting):
    import datetime

    meeting(tree.a1, held_on=datetime.date(2024, 3, 5), topic="三月会")
    meeting(tree.a1, held_on=datetime.date(2024, 4, 5), topic="四月会")
    body = login(users.office).get(URL, {"year": 2024, "month": 3}).content.decode()
    assert "三月会" in body and "四月会" not in body


def test_a_coverage_figure_opens_the_branches_that_owed_it(tree, users, login, meeting):
    meeting(tree.a1, kind="org_life", held_on=datetime.date(2024, 12, 20))
    url = reverse("worktasks:drilldown", args=["branches.meeting_coverage"])
    response = login(users.office).get(url, {"year": 2024, "kind": "org_life"})
    assert response.status_code == 200
    assert response.context["value"] == "33.3"  # 1 of the 3 党支部
    body = response.content.decode()
    assert tree.a1.name in body and tree.b1.name in body and tree.a.name not in body
    village = login(users.office).get(
        url, {"year": 2024, "kind": "org_life", "village": tree.va.pk}
    )
    assert village.context["value"] == "100"
    secretary = login(users.sec_b).get(url, {"year": 2024, "kind": "org_life"})
    assert secretary.context["value"] == "0"
    assert tree.a1.name not in secretary.content.decode()
