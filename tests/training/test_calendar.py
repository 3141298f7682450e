"""The training calendar: month and week views, links to classes, a flat query count."""

import datetime

import pytest
from django.urls import reverse

from tests.training.factories import SessionFactory, TrainingClassFactory, at

URL = reverse("training:calendar")


def _many_sessions(training, n, minute=0):
    """``n`` sessions in May 2024, across classes, facilities and days (none overlapping)."""
    facilities = [training.room, training.hall, training.projector, None]
    classes = [TrainingClassFactory(base=training.base_a, participants=5) for _ in range(5)]
    for i in range(n):
        day = datetime.date(2024, 5, 1 + i % 31)
        SessionFactory(
            training_class=classes[i % len(classes)],
            facility=facilities[i % len(facilities)],
            starts_at=at(day, 6 + i // 31, minute),
            ends_at=at(day, 6 + i // 31, minute + 20),
        )


def test_month_view_lists_sessions_linking_to_their_class(training, users, login):
    SessionFactory(
        training_class=training.class_a,
        facility=training.room,
        topic="集体企业现场教学",
        starts_at=at(datetime.date(2024, 5, 10), 9),
        ends_at=at(datetime.date(2024, 5, 10), 10, 30),
    )
    client = login(users.office)
    response = client.get(URL, {"date": "2024-05-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "集体企业现场教学" in html
    assert "09:00–10:30" in html
    assert training.class_a.get_absolute_url() in html
    # the bases and their facilities are shown too
    assert "花园村实训基地" in html and "党建成就展示馆" in html
    # month grid from Monday 29 April to Sunday 2 June
    assert len(response.context["days"]) == 35
    assert response.context["days"][0].date == datetime.date(2024, 4, 29)


def test_week_view_and_filters(training, users, login):
    for day, fac in ((6, training.room), (10, training.hall), (20, training.room)):
        SessionFactory(
            training_class=training.class_a,
            facility=fac,
            topic="场次%d日" % day,
            starts_at=at(datetime.date(2024, 5, day), 9),
            ends_at=at(datetime.date(2024, 5, day), 10),
        )
    client = login(users.sec_a)
    week = client.get(URL, {"view": "week", "date": "2024-05-08"})
    assert [d.date.day for d in week.context["days"]] == [6, 7, 8, 9, 10, 11, 12]
    html = week.content.decode()
    assert "场次6日" in html and "场次10日" in html and "场次20日" not in html
    only_room = client.get(URL, {"date": "2024-05-08", "facility": training.room.pk})
    html = only_room.content.decode()
    assert "场次6日" in html and "场次20日" in html and "场次10日" not in html


@pytest.mark.parametrize("view", ["month", "week"])
def test_query_count_stays_flat_as_sessions_grow(
    training, users, login, django_assert_max_num_queries, view
):
    client = login(users.office)
    client.get(URL)  # warm the session and permission caches of the client
    _many_sessions(training, 10)
    with django_assert_max_num_queries(12) as small:
        r = client.get(URL, {"view": view, "date": "2024-05-15"})
    assert r.status_code == 200
    _many_sessions(training, 200, minute=30)
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        r = client.get(URL, {"view": view, "date": "2024-05-15"})
    assert r.status_code == 200
    if view == "month":
        assert r.context["session_count"] == 210
    assert len(big.captured_queries) == len(small.captured_queries)


def test_out_of_scope_sessions_and_filters_are_hidden(training, users, login):
    SessionFactory(
        training_class=training.class_b,
        facility=training.room_b,
        topic="青桥村的场次",
        starts_at=at(datetime.date(2024, 5, 10), 9),
        ends_at=at(datetime.date(2024, 5, 10), 10),
    )
    client = login(users.sec_a)
    html = client.get(URL, {"date": "2024-05-10"}).content.decode()
    assert "青桥村的场次" not in html and "青桥村实训基地" not in html
    assert client.get(URL, {"base": training.base_b.pk}).status_code == 404
    assert client.get(URL, {"facility": training.room_b.pk}).status_code == 404
    office = login(users.office).get(URL, {"date": "2024-05-10"}).content.decode()
    assert "青桥村的场次" in office


def test_leadership_may_read_the_calendar(training, users, login):
    assert login(users.leader).get(URL).status_code == 200
