"""The dashboard shows one level of the tree at a time, lagging first, and drills down."""

from django.urls import reverse

from branches.models import MeetingKind, Status
from tests.factories import MeetingFactory

from .factories import TaskFactory

URL = reverse("worktasks:dashboard")
SEARCH = reverse("worktasks:organization_search")
KIND = MeetingKind.DEMOCRATIC_LIFE


def _names(response):
    return [row.organization.name for row in response.context["level"].rows]


def test_the_top_level_lists_the_children_lagging_first(tree, users, login):
    TaskFactory(responsible=tree.root, target=7)  # 7 organisations: a share of 1 each
    for _ in range(3):
        MeetingFactory(organization=tree.b1, kind=KIND, status=Status.APPROVED)
    MeetingFactory(organization=tree.a1, kind=KIND, status=Status.APPROVED)
    response = login(users.office).get(URL, {"year": 2024})
    level = response.context["level"]
    # 机关党支部 (1 organisation) held none; 花园村 (3) one of its 3; 青桥村 (2) more than its 2
    assert _names(response) == ["机关党支部", "花园村党委", "青桥村总支"]
    assert [row.percent_text for row in level.rows] == ["0.0%", "33.3%", "100.0%"]
    assert [row.cells[0][0] for row in level.rows] == ["0", "1", "3"]
    body = response.content.decode()
    assert f'href="{URL}?year=2024&amp;org={tree.a.pk}"' in body
    assert f"org={tree.a1.pk}" not in body  # the next level is not on this page


def test_a_child_opens_its_own_level_with_breadcrumbs(tree, users, login):
    TaskFactory(responsible=tree.root, target=7)
    MeetingFactory(organization=tree.a1g, kind=KIND, status=Status.APPROVED)
    client = login(users.office)
    response = client.get(URL, {"year": 2024, "org": tree.a.pk})
    assert _names(response) == ["花园村第一党支部"]
    assert response.context["level"].rows[0].cells[0][0] == "1"
    assert [c.name for c in response.context["crumbs"]] == ["街道党工委", "花园村党委"]
    response = client.get(URL, {"year": 2024, "org": tree.a1.pk})
    assert _names(response) == ["花园村第一党小组"]


def test_a_secretary_starts_at_the_village_and_cannot_climb(tree, users, login):
    client = login(users.sec_b)
    response = client.get(URL, {"year": 2024})
    assert _names(response) == ["青桥村第一党支部"]
    assert [c.name for c in response.context["crumbs"]] == ["青桥村总支"]
    assert client.get(URL, {"year": 2024, "org": tree.root.pk}).status_code == 404


def test_the_scope_chooser_is_a_search_not_a_select_of_every_organisation(tree, users, login):
    client = login(users.office)
    body = client.get(URL, {"year": 2024}).content.decode()
    assert 'name="org_name"' in body and 'list="wt-org-options"' in body
    assert '<select class="form-select" name="org"' not in body
    found = client.get(SEARCH, {"q": "花园"}).json()["results"]
    assert [r["name"] for r in found] == ["花园村党委", "花园村第一党支部", "花园村第一党小组"]
    assert found[0]["id"] == tree.a.pk
    assert login(users.sec_b).get(SEARCH, {"q": "花园"}).json()["results"] == []
    assert [r["name"] for r in login(users.sec_b).get(SEARCH).json()["results"]] == [
        "青桥村总支",
        "青桥村第一党支部",
    ]


def test_a_typed_name_opens_that_organisation(tree, users, login):
    client = login(users.office)
    response = client.get(URL, {"year": 2024, "org_name": "青桥村总支"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year=2024&org={tree.b.pk}"
    response = login(users.sec_a).get(URL, {"year": 2024, "org_name": "青桥村总支"})
    assert response.status_code == 200
    assert "本范围内没有这个名称的组织" in response.content.decode()
