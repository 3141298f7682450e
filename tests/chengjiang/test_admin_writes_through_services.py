"""Every admin write path goes through a service that checks the acting user's scope.

Walks ``admin.site._registry``: for each page the office writes to, the admin's own save and
delete paths (``save_model``, ``delete_model``, ``delete_queryset``), called as staff of one
village on a record of another, are refused with the scope message, and nothing changes. A save
path that wrote directly (``obj.save()``) would let it through. The rules of particular records
(one open pairing per reserve cadre, a mentoring log within its pairing) are refused through the
admin's pages as the services refuse them.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from branches import services as branch_services
from chengjiang.access import MSG_OUT_OF_SCOPE, SYSTEM, in_write_scope
from tests.adminforms import form_data
from tests.chengjiang.test_admin_crud import READ_ONLY, REGISTERED, _label

OUT_OF_SCOPE = {str(MSG_OUT_OF_SCOPE), str(branch_services.MSG_OUT_OF_SCOPE)}
WRITTEN = [m for m in REGISTERED if _label(m) not in READ_ONLY]


@pytest.fixture
def village_staff(demo_db):
    """Office staff of 青桥村 only: staff, office role, scope the village's organisation."""
    from branches.models import Organization
    from chengjiang.accounts import roles
    from tests.factories import UserFactory

    org = Organization.objects.get(name="中共澄江街道青桥村总支部委员会")
    return UserFactory(username="qq_staff", organization=org, is_staff=True, role=roles.OFFICE)


def _refused(call) -> set[str]:
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        call()
    return set(exc.value.messages)


@pytest.mark.parametrize("model", WRITTEN, ids=_label)
def test_admin_save_and_delete_paths_check_the_acting_users_scope(village_staff, model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().post("/")
    request.user = village_staff
    request._messages = _Messages()
    visible = model._default_manager.all()
    if hasattr(visible, "visible_to"):
        visible = visible.visible_to(village_staff)
    else:
        visible = visible.none()
    obj = model._default_manager.exclude(pk__in=visible.values("pk")).order_by("pk").first()
    if obj is None:  # records of the sub-district (or of several villages): read by all,
        obj = model._default_manager.order_by("pk").first()  # written by the whole tree's staff
        assert not in_write_scope(village_staff, obj), _label(model)
    assert obj is not None, f"the demo holds no {_label(model)}"
    before = model_to_dict(obj)

    assert _refused(lambda: model_admin.save_model(request, obj, None, True)) & OUT_OF_SCOPE
    obj = model._default_manager.get(pk=obj.pk)
    assert _refused(lambda: model_admin.delete_model(request, obj)) & OUT_OF_SCOPE
    model_admin.delete_queryset(request, model._default_manager.filter(pk=obj.pk))
    assert request._messages.texts & OUT_OF_SCOPE
    assert model_to_dict(model._default_manager.get(pk=obj.pk)) == before


class _Messages:
    """A message store for a request built by RequestFactory."""

    def __init__(self):
        self.texts: set[str] = set()

    def add(self, level, message, extra_tags=""):
        self.texts.add(str(message))


def test_the_system_actor_is_explicit_and_none_is_refused(demo_db):
    from branches.models import Member

    member = Member.objects.order_by("pk").first()
    assert branch_services.member_save(member=member, by=SYSTEM) == member
    with pytest.raises(TypeError):
        branch_services.member_save(member=member, by=None)
    with pytest.raises(TypeError):
        branch_services.member_save(member=member)


# --- rules of particular records, refused through the admin's own pages ------------------------


@pytest.fixture
def office(demo_db, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="office")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _open_pairing():
    from cadres.models import Pairing

    pairing = Pairing.objects.filter(ended_on__isnull=True).order_by("pk").first()
    assert pairing is not None, "the demo holds an open pairing"
    return pairing


def test_a_second_open_pairing_is_refused_in_the_admin(office, client):
    from cadres.models import Pairing
    from cadres.services import MSG_ALREADY_PAIRED

    pairing = _open_pairing()
    page = client.get(reverse("admin:cadres_pairing_change", args=[pairing.pk]))
    data = form_data(page.content.decode(), "pairing_form")
    for key in list(data):
        if key.startswith("logs-"):
            data.pop(key)
    data.update({"logs-TOTAL_FORMS": "0", "logs-INITIAL_FORMS": "0"})
    count = Pairing.objects.count()
    response = client.post(reverse("admin:cadres_pairing_add"), {**data, "_save": "1"})
    assert response.status_code == 200
    assert str(MSG_ALREADY_PAIRED) in response.content.decode()
    assert Pairing.objects.count() == count


def test_the_database_holds_one_open_pairing_per_cadre(demo_db):
    from cadres.models import Pairing

    pairing = _open_pairing()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            reserve_cadre=pairing.reserve_cadre, mode=pairing.mode, started_on=pairing.started_on
        )


@pytest.mark.parametrize("where", ["log page", "pairing inline"])
def test_a_mentoring_log_dated_in_the_future_is_refused_in_the_admin(office, client, where):
    from cadres.models import MentoringLog

    pairing = _open_pairing()
    future = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    count = MentoringLog.objects.count()
    if where == "log page":
        url = reverse("admin:cadres_mentoringlog_add")
        page = client.get(url)
        data = form_data(page.content.decode(), "mentoringlog_form")
        data.update({"pairing": str(pairing.pk), "date": future, "content": "未来的记录"})
    else:
        url = reverse("admin:cadres_pairing_change", args=[pairing.pk])
        data = form_data(client.get(url).content.decode(), "pairing_form")
        n = int(data["logs-TOTAL_FORMS"])
        data.update(
            {
                "logs-TOTAL_FORMS": str(n + 1),
                f"logs-{n}-date": future,
                f"logs-{n}-content": "未来的记录",
                f"logs-{n}-pairing": str(pairing.pk),
            }
        )
    response = client.post(url, {**data, "_save": "1"})
    assert response.status_code == 200
    assert "日期不能晚于今天。" in response.content.decode()
    assert MentoringLog.objects.count() == count
