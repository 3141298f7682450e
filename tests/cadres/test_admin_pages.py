"""Every cadres admin page answers for office staff on the demo data, in Chinese."""

import pytest
from django.apps import apps
from django.urls import reverse


@pytest.fixture
def demo(demo_db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="office")


def test_changelists_and_change_forms(demo, client):
    client.force_login(demo, backend="django.contrib.auth.backends.ModelBackend")
    from django.contrib import admin

    for model in apps.get_app_config("cadres").get_models():
        if model not in admin.site._registry:
            continue  # edited inline (pay tiers, status entries)
        info = ("cadres", model._meta.model_name)
        response = client.get(reverse("admin:%s_%s_changelist" % info))
        assert response.status_code == 200, info
        obj = model.objects.first()
        if obj is not None:
            response = client.get(reverse("admin:%s_%s_change" % info, args=[obj.pk]))
            assert response.status_code == 200, info
        add = client.get(reverse("admin:%s_%s_add" % info)).status_code
        # ballots are recorded by the candidates' action, never added by hand
        assert add == (403 if model._meta.model_name == "groupmeeting" else 200), info


def test_recruitment_page_shows_the_ranking_and_tie_rule(demo, client):
    from cadres.models import Recruitment

    client.force_login(demo, backend="django.contrib.auth.backends.ModelBackend")
    rec = Recruitment.objects.get()
    html = client.get(reverse("admin:cadres_recruitment_change", args=[rec.pk])).content.decode()
    assert "82.50" in html  # the two applicants tied on the combined score
    assert "84.25" in html


def test_portal_pages_on_the_demo(demo, client):
    from django.contrib.auth import get_user_model

    sec = get_user_model().objects.get(username="huayuan")
    client.force_login(sec, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("cadres:group_list"), {"date": "2024-12-01"}).content.decode()
    assert html.count("cadres-tier-") >= 11
    sheet = client.get(reverse("cadres:allowance_sheet"), {"period": "2024-Q4"})
    assert len(sheet.context["sheet"].rows) == 11
