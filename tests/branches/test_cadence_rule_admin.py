"""The meeting-rule form offers the organisation kinds by their Chinese names to tick, not a
text box for codes ("用英文逗号分隔，如 branch,group")."""

from django.urls import reverse

from branches.models import CadenceRule
from tests.adminforms import form_data


def test_the_rule_form_ticks_organisation_kinds_by_name(db, users, login):
    rule = CadenceRule.objects.get(meeting_kind="branch_assembly")
    client = login(users.office)
    url = reverse("admin:branches_cadencerule_change", args=[rule.pk])
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="org_kinds"' in page and "党支部" in page
    assert "branch,group" not in page and 'type="text" name="org_kinds"' not in page
    data = form_data(page, "cadencerule_form")
    assert data["org_kinds"] == "branch"  # the stored kinds come ticked

    ticked = {**data, "org_kinds": ["branch", "group"], "_save": "1"}
    assert client.post(url, ticked).status_code == 302
    rule.refresh_from_db()
    assert rule.org_kind_list == ["branch", "group"]

    none = {k: v for k, v in data.items() if k != "org_kinds"} | {"_save": "1"}
    response = client.post(url, none)
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "请至少" in response.content.decode()
    rule.refresh_from_db()
    assert rule.org_kind_list == ["branch", "group"]
