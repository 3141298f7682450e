"""Pages run a fixed number of queries whatever the number of rows (10 and 200 groups)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chengjiang.access import SYSTEM
from tests.cadres.conftest import village_records

PAGES = [
    ("cadres:home", {}),
    ("cadres:group_list", {"date": "2024-12-01"}),
    ("cadres:leader_list", {"all": "1"}),
    ("cadres:allowance_sheet", {"period": "2024-Q4"}),
    ("cadres:allowance_sheet_xlsx", {"period": "2024-Q4"}),
    ("cadres:reserve_list", {}),
    ("cadres:pairing_list", {}),
]


def _count(client, name, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_are_flat(tree, users, login):
    """Each page's queries at 10 groups and at 200 (the records built once for every page)."""
    from tests.cadres.factories import make_scale

    make_scale()
    client = login(users.office)
    for i in range(2):
        village_records(tree.va, n_groups=5, prefix=f"批{i}")
    small = {name: _count(client, name, params) for name, params in PAGES}
    for i in range(2, 40):
        village_records(tree.vb, n_groups=5, prefix=f"批{i}")
    large = {name: _count(client, name, params) for name, params in PAGES}
    assert large == small
    assert max(small.values()) <= 20, small


@pytest.mark.parametrize("size", [10, 200])
def test_group_list_budget(tree, users, login, django_assert_max_num_queries, size):
    from tests.cadres.factories import group_with, make_scale

    make_scale()
    for i in range(size):
        group_with(tree.va, 100 + i * 5, name=f"组{i}")
    client = login(users.sec_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cadres:group_list"))
    assert len(response.context["groups"]) == size


def test_pairing_detail_budget(tree, users, login, django_assert_max_num_queries):
    from tests.cadres.factories import make_scale

    make_scale()
    recs = village_records(tree.va)
    client = login(users.sec_a)
    from cadres import services

    for day in range(2, 22):
        import datetime

        services.mentoring_log_add(
            pairing=recs.pairing,
            date=datetime.date(2024, 12, day),
            content="帮带记录",
            mentor=recs.mentors[0],
            by=SYSTEM,
        )
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cadres:pairing_detail", args=[recs.pairing.pk]))
    assert response.status_code == 200
