"""Scope and roles: another village's class answers 404; leadership reads but never writes."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.training.factories import SessionFactory, at
from training.models import Session, TrainingClass

DAY = datetime.date(2024, 5, 10)


def _book_data(training, hour=9):
    return {
        "topic": "门户预约的场次",
        "facility": training.room.pk,
        "starts_at": "2024-05-10T%02d:00" % hour,
        "ends_at": "2024-05-10T%02d:30" % hour,
        "hours": "0.5",
    }


def test_class_page_in_scope_and_404_for_the_other_village(training, users, login):
    SessionFactory(training_class=training.class_a, facility=training.room, topic="参观展示馆")
    url_a = reverse("training:class_detail", args=[training.class_a.pk])
    url_b = reverse("training:class_detail", args=[training.class_b.pk])
    sec_a = login(users.sec_a)
    response = sec_a.get(url_a)
    assert response.status_code == 200
    assert "参观展示馆" in response.content.decode()
    assert sec_a.get(url_b).status_code == 404
    assert sec_a.get(reverse("training:class_detail", args=[999999])).status_code == 404
    assert login(users.sec_b).get(url_a).status_code == 404
    assert login(users.leader).get(url_b).status_code == 200


def test_office_books_a_session_and_a_clash_comes_back_as_a_form_error(training, users, login):
    client = login(users.office)
    url = reverse("training:session_book", args=[training.class_a.pk])
    response = client.post(url, _book_data(training))
    assert response.status_code == 302
    assert Session.objects.filter(topic="门户预约的场次").count() == 1
    again = client.post(url, _book_data(training))
    assert again.status_code == 200
    errors = [str(e) for errs in again.context["form"].errors.values() for e in errs]
    assert any("门户预约的场次" in e and "大型会议室" in e for e in errors), errors
    assert "门户预约的场次" in again.content.decode()
    assert Session.objects.filter(topic="门户预约的场次").count() == 1


@pytest.mark.parametrize("who", ["leader", "sec_a"])
def test_readers_get_403_on_every_write(training, users, login, who):
    client = login(getattr(users, who))
    session = SessionFactory(training_class=training.internal, starts_at=at(DAY, 9))
    writes = [
        reverse("training:session_book", args=[training.class_a.pk]),
        reverse("training:session_attendance", args=[session.pk]),
        reverse("admin:training_trainingclass_add"),
        reverse("admin:training_session_add"),
    ]
    before = (Session.objects.count(), TrainingClass.objects.count())
    for url in writes:
        response = client.post(url, _book_data(training, hour=14))
        assert response.status_code in (403, 302), url
        if response.status_code == 302:  # the admin sends non-staff users to its login
            assert "/admin/login/" in response["Location"], url
    assert client.post(writes[0], _book_data(training, hour=14)).status_code == 403
    assert client.post(writes[1], {}).status_code == 403
    assert (Session.objects.count(), TrainingClass.objects.count()) == before


def test_leadership_with_admin_access_still_cannot_change(training, users, login):
    users.leader.is_staff = True
    users.leader.save()
    client = login(users.leader)
    change = reverse("admin:training_trainingclass_change", args=[training.class_a.pk])
    assert client.get(change).status_code == 200  # may read
    data = {"name": "改名", "kind": "received"}
    assert client.post(change, data).status_code == 403
    assert client.post(reverse("admin:training_trainingclass_add"), data).status_code == 403
    training.class_a.refresh_from_db()
    assert training.class_a.name == "扬州大学测试班"


def test_write_to_another_villages_class_is_404(training, users, login):
    users.sec_b.user_permissions.add(
        Permission.objects.get(codename="add_session", content_type__app_label="training")
    )
    client = login(users.sec_b)
    url = reverse("training:session_book", args=[training.class_a.pk])
    assert client.post(url, _book_data(training)).status_code == 404


def test_admin_lists_only_the_users_scope(training, users, login):
    users.sec_a.is_staff = True
    users.sec_a.save()
    client = login(users.sec_a)
    response = client.get(reverse("admin:training_trainingclass_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "扬州大学测试班" in html and "青桥村测试班" not in html
    other = reverse("admin:training_trainingclass_change", args=[training.class_b.pk])
    assert client.get(other).status_code in (302, 404)
