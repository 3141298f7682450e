"""The admin's meetings changelist at scale (issue 12 goal 2: ≤ 100 ms warm at 1M meetings):
the same queries whatever the number of rows, with and without a search; a count that reads
about as many rows as the page asked for; the selection boxes and the navigation sidebar as
Django renders them, without rendering a template per row or per page."""

import datetime
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Meeting, MeetingKind
from chengjiang.accounts import roles
from chengjiang.admin import CappedCountPaginator
from tests.factories import MeetingFactory, OrganizationFactory, UserFactory, VillageFactory

URL = reverse("admin:branches_meeting_changelist")
SEARCH = {"q": "主题党日"}


def _grow(tree, n: int, tag: str) -> None:
    """``n`` meetings over new villages and branches (the filter sidebar grows with them)."""
    for v in range(max(1, n // 10)):
        village = VillageFactory(name=f"{tag}村{v}")
        top = OrganizationFactory(name=f"{tag}村{v}党委", parent=tree.root, village=village)
        branch = OrganizationFactory(
            name=f"{tag}村{v}第一支部", kind="branch", parent=top, village=village
        )
        for i in range(10):
            MeetingFactory(
                organization=branch,
                kind=MeetingKind.THEME_DAY,
                held_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=i),
                topic=f"主题党日{tag}{v}-{i}",
            )


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_the_changelist_runs_the_same_queries_at_two_sizes(tree, users, login):
    client = login(users.office)
    _grow(tree, 10, "甲")
    small = [_queries(client)[0], _queries(client, SEARCH)[0]]
    _grow(tree, 80, "乙")
    large = [_queries(client)[0], _queries(client, SEARCH)[0]]
    assert small == large, f"at 10 meetings {small}, at 90 {large} (list, search)"
    assert large[0] <= 11 and large[1] <= 12, large


def test_a_first_page_counts_about_the_pages_it_offers(tree, users, login, monkeypatch):
    """The count reads ``AHEAD_PAGES`` pages beyond the one asked for, in steps of
    ``COUNT_MIN``, at most ``COUNT_CAP``: every page stays reachable."""
    monkeypatch.setattr(CappedCountPaginator, "COUNT_MIN", 2)
    monkeypatch.setattr(CappedCountPaginator, "AHEAD_PAGES", 1)
    monkeypatch.setattr(admin.site._registry[Meeting], "list_per_page", 2)
    _grow(tree, 10, "甲")  # 10 meetings: 5 pages of 2
    client = login(users.office)

    def page(p):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"p": p})
        assert response.status_code == 200
        counts = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"].upper()]
        return response, counts

    first, counts = page(1)
    assert first.context["cl"].result_count == 4  # (1 + 1) pages of 2
    assert "超过 4" in first.content.decode()
    assert counts and all(re.search(r"LIMIT 5\b", sql) for sql in counts), counts
    third, _counts = page(3)
    assert third.context["cl"].result_count == 8 and "超过 8" in third.content.decode()
    assert [m.topic for m in third.context["cl"].result_list]  # the page asked for is there
    last, _counts = page(5)
    assert last.context["cl"].result_count == 10 and "超过" not in last.content.decode()


def test_the_selection_box_is_django_s_own(tree):
    meeting = MeetingFactory(organization=tree.a1, topic='<b>"学习"</b> & 讨论')
    model_admin = admin.site._registry[Meeting]
    django_own = admin.ModelAdmin.action_checkbox(model_admin, meeting)  # a widget's template
    assert model_admin.action_checkbox(meeting) == django_own
    assert django_own.startswith('<input type="checkbox" name="_selected_action"')
    assert "&lt;b&gt;&quot;学习&quot;&lt;/b&gt; &amp; 讨论" in django_own  # escaped once


def _nav(html: str) -> str:
    return re.search(r'<nav class="sticky" id="nav-sidebar".*?</nav>', html, re.S).group(0)


def test_the_navigation_sidebar_is_rendered_once_and_the_same(tree, users, login, monkeypatch):
    import chengjiang.admin as shared

    monkeypatch.setattr(shared, "_NAV_SIDEBARS", {})
    client = login(users.office)
    first = client.get(URL)
    second = client.get(URL)
    names = [t.name for t in second.templates]
    assert "admin/nav_sidebar.html" not in names and "admin/app_list.html" not in names
    assert 'aria-current="page"' in _nav(second.content.decode())  # this page's model
    monkeypatch.setattr(shared, "nav_sidebar_html", lambda *args: "")
    rendered = client.get(URL)  # Django's include, as before
    assert "admin/nav_sidebar.html" in [t.name for t in rendered.templates]
    assert _nav(first.content.decode()) == _nav(rendered.content.decode())
    assert _nav(second.content.decode()) == _nav(rendered.content.decode())
    # another page of the admin marks its own model, not this one's
    other = client.get(reverse("admin:branches_talk_changelist")).content.decode()
    assert _nav(other) != _nav(rendered.content.decode())


def _searched(client, q):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"q": q})
    assert response.status_code == 200
    listed = [q["sql"] for q in ctx.captured_queries if 'FROM "branches_meeting"' in q["sql"]]
    return {m.topic for m in response.context["cl"].result_list}, listed


def test_a_two_character_chinese_search_finds_the_same_meetings(tree, users, login):
    MeetingFactory(organization=tree.a1, topic="花园小区走访", place="村部")
    MeetingFactory(organization=tree.a1, topic="学习", place="花园广场")
    MeetingFactory(organization=tree.b1, topic="学习", place="礼堂")
    MeetingFactory(organization=tree.b1, topic="AB组会", place="礼堂")
    client = login(users.office)
    assert _searched(client, "花园")[0] == {"花园小区走访", "学习"}
    assert _searched(client, "ab")[0] == {"AB组会"}  # letters: case is still ignored
    assert _searched(client, "花园村")[0] == {"花园小区走访", "学习"}  # by the village's name


@pytest.mark.postgres
def test_a_two_character_chinese_search_does_not_scan_the_trigram_index(tree, users, login):
    """No trigram of 花园 is in the index: ``UPPER(topic) LIKE '%花园%'`` read the whole index and
    every row (2 s a query at 1M meetings); a plain LIKE reads the table at most once."""
    client = login(users.office)
    _topics, listed = _searched(client, "花园")
    assert listed and not any('UPPER("branches_meeting"."topic"' in sql for sql in listed)
    _topics, listed = _searched(client, "主题党日")  # long enough for the trigram index
    assert listed and all('UPPER("branches_meeting"."topic"' in sql for sql in listed)


def test_row_and_history_links_are_what_reverse_writes(db):
    from django.contrib.admin.utils import quote

    model_admin = admin.site._registry[Meeting]
    for pk in (7, 123456, "a b/中_%?#"):
        for view in ("change", "auditlog"):
            expected = reverse(f"admin:branches_meeting_{view}", args=[quote(pk)])
            assert model_admin.url_for_object(view, pk) == expected


def test_the_village_filter_is_kept_per_data_version(tree, users, login):
    """The sidebar's villages are read once per scope and data version; a new village (a write)
    is listed at once, and staff of one village still see only their own."""

    def villages(client):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        reads = [q["sql"] for q in ctx.captured_queries if 'FROM "branches_village"' in q["sql"]]
        specs = response.context["cl"].filter_specs
        listed = {name for spec in specs for _pk, name in getattr(spec, "lookup_choices", [])}
        return reads, listed

    client = login(users.office)
    villages(client)  # read and kept
    reads, listed = villages(client)
    assert not reads and {"花园村", "青桥村"} <= listed
    OrganizationFactory(name="新村党委", parent=tree.root, village=VillageFactory(name="新村"))
    reads, listed = villages(client)
    assert reads and "新村" in listed
    village_staff = UserFactory(
        username="office_a", organization=tree.a, is_staff=True, role=roles.OFFICE
    )
    reads, listed = villages(login(village_staff))
    assert "花园村" in listed and "青桥村" not in listed and "新村" not in listed
