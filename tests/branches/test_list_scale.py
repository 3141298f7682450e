"""The lists at scale (issue 12 goal 3): keyset pages, a capped count, indexed search.

A list page never counts a whole table (every COUNT reads a LIMITed subquery), never skips rows
with OFFSET, and walks every row exactly once by its ``?after=`` / ``?before=`` links.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import paging
from branches.models import Attendance, MeetingKind, TalkParticipant
from tests.factories import MeetingFactory, TalkFactory


def _meetings(tree, n, *, same_day_every=3):
    """``n`` meetings, several on the same day (ties broken by pk)."""
    out = []
    for i in range(n):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=i // same_day_every)
        out.append(
            MeetingFactory(
                organization=tree.a1,
                kind=MeetingKind.BRANCH_COMMITTEE,
                held_on=day,
                topic=f"会议{i:03d}",
            )
        )
    return out


def _talks(tree, n):
    out = []
    for i in range(n):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=i // 3)
        out.append(TalkFactory(organization=tree.a1, held_on=day, topic=f"谈话{i:03d}"))
    return out


def _newest_first(rows):
    return [r.topic for r in sorted(rows, key=lambda r: (r.held_on, r.pk), reverse=True)]


def _unbounded_counts(queries, table):
    """COUNT(*) of the list's own table that is not over a LIMITed subquery."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(*)" in q["sql"].upper()
        and f'"{table}"' in q["sql"]
        and "LIMIT" not in q["sql"].upper()
    ]


LISTS = [("branches:meeting_list", _meetings), ("branches:talk_list", _talks)]
TABLES = {"branches:meeting_list": "branches_meeting", "branches:talk_list": "branches_talk"}


@pytest.mark.parametrize("name,make", LISTS)
def test_list_counts_only_a_capped_subquery_and_uses_no_offset(tree, users, login, name, make):
    make(tree, 25)
    client = login(users.office)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(reverse(name))
    assert resp.status_code == 200
    assert not _unbounded_counts(ctx.captured_queries, TABLES[name])
    assert not [q["sql"] for q in ctx.captured_queries if "OFFSET" in q["sql"].upper()]
    assert "after=" in resp.content.decode()  # the next page is a keyset link


@pytest.mark.parametrize("name,make", LISTS)
def test_keyset_links_walk_every_row_once_both_ways(tree, users, login, name, make):
    rows = make(tree, 47)  # three pages of 20, with ties on held_on
    expected = _newest_first(rows)
    client = login(users.office)
    url = reverse(name)
    pages, query = [], ""
    while True:
        resp = client.get(url + query)
        page = resp.context["page"]
        pages.append([r.topic for r in page.object_list])
        if not page.has_next:
            break
        query = page.next_link
    assert [t for p in pages for t in p] == expected
    assert [len(p) for p in pages] == [20, 20, 7]
    # …and back from the last page by the "previous" links.
    back = []
    while page.has_previous:
        page = client.get(url + page.previous_link).context["page"]
        back.append([r.topic for r in page.object_list])
    assert back == pages[-2::-1]


def test_keyset_keeps_the_filters_and_a_bad_cursor_shows_the_first_page(tree, users, login):
    _meetings(tree, 25)
    MeetingFactory(organization=tree.a1, kind=MeetingKind.PARTY_LECTURE, held_on="2024-03-01")
    client = login(users.office)
    url = reverse("branches:meeting_list")
    first = client.get(url, {"kind": "branch_committee"}).context["page"]
    assert "kind=branch_committee" in first.next_link
    second = client.get(url + first.next_link).context["page"]
    assert {m.kind for m in second.object_list} == {"branch_committee"}
    assert len(second.object_list) == 5
    unfiltered = [m.topic for m in client.get(url).context["page"].object_list]
    for bad in ("nonsense", "2024-13-01_5", "2024-01-01_x", ""):
        resp = client.get(url, {"after": bad})
        assert resp.status_code == 200
        assert [m.topic for m in resp.context["page"].object_list] == unfiltered


def test_the_count_is_capped_and_says_more_than(tree, users, login, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    _meetings(tree, 12)
    client = login(users.office)
    resp = client.get(reverse("branches:meeting_list"))
    page = resp.context["page"]
    assert page.count_capped and page.count == 10
    assert "10" in re.sub(r"<[^>]+>", "", resp.content.decode())
    _few = client.get(reverse("branches:meeting_list"), {"kind": "party_lecture"})
    assert not _few.context["page"].count_capped and _few.context["page"].count == 0


def test_attendee_and_person_counts_are_those_of_each_row(tree, users, login):
    meeting, other = _meetings(tree, 2)
    members = tree.a_members
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m) for m in members[:3]]
        + [Attendance(meeting=meeting, member=members[3], status="leave", absence_reason="病假")]
    )
    talk = TalkFactory(organization=tree.a1, held_on="2024-02-01")
    TalkParticipant.objects.bulk_create(
        [TalkParticipant(talk=talk, member=members[0]), TalkParticipant(talk=talk, name="群众")]
    )
    client = login(users.office)
    shown = {
        m.pk: m.attendee_count
        for m in client.get(reverse("branches:meeting_list")).context["page"].object_list
    }
    assert shown == {meeting.pk: 3, other.pk: 0}
    talks = client.get(reverse("branches:talk_list")).context["page"].object_list
    assert {t.pk: t.person_times for t in talks} == {talk.pk: 2}


def _index_defs(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "table,column",
    [
        ("branches_meeting", "topic"),
        ("branches_meeting", "place"),
        ("branches_talk", "topic"),
        ("branches_talk", "talker_name"),
        ("branches_member", "name"),
        ("branches_organization", "name"),
    ],
)
def test_searched_columns_have_a_trigram_index_on_postgres(table, column):
    defs = _index_defs(table)
    trigram = [d for d in defs.values() if "gin_trgm_ops" in d and f"upper(({column})::text)" in d]
    assert trigram, defs


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_admin_search_reads_the_trigram_index_on_postgres(tree):
    """EXPLAIN of the admin's icontains on topic uses the trigram index (seq scans disabled,
    so the answer does not depend on a tiny test table's statistics)."""
    from branches.models import Meeting

    MeetingFactory(organization=tree.a1, topic="学习主题党日活动")
    qs = Meeting.objects.filter(topic__icontains="主题党日").order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "meeting_topic_trgm" in plan, plan
    assert [m.topic for m in qs] == ["学习主题党日活动"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_newest_first_page_reads_the_held_on_index_on_postgres(tree):
    from branches.models import Meeting

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Meeting.objects.order_by("-held_on", "-pk")[:21].explain()
    assert "meeting_held_on_id" in plan, plan


# --- the admin's changelists ------------------------------------------------------------------


def test_admin_changelist_counts_only_a_capped_subquery(tree, users, login, monkeypatch):
    from chengjiang.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 5)
    _meetings(tree, 7)
    client = login(users.office)
    url = reverse("admin:branches_meeting_changelist")
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    assert not _unbounded_counts(ctx.captured_queries, "branches_meeting")
    assert resp.context["cl"].result_count == 5
    assert "超过 5" in resp.content.decode()
    # A narrow filter still shows the exact count.
    resp = client.get(url, {"q": "会议001"})
    assert resp.context["cl"].result_count == 1
    assert "超过" not in resp.content.decode()


def test_admin_search_matches_a_related_name_by_key_and_keeps_and_of_terms(tree, users, login):
    a_meeting = MeetingFactory(organization=tree.a1, topic="学习二十大", place="村部")
    b_meeting = MeetingFactory(organization=tree.b1, topic="学习二十大", place="礼堂")
    client = login(users.office)
    url = reverse("admin:branches_meeting_changelist")

    def found(q):
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url, {"q": q})
        assert resp.status_code == 200
        return {m.pk for m in resp.context["cl"].result_list}, ctx.captured_queries

    by_org, queries = found("花园村第一")
    assert by_org == {a_meeting.pk}
    listed = [q["sql"] for q in queries if 'FROM "branches_meeting"' in q["sql"]]
    # The organisation's name is matched in its own table first, the meetings by key.
    assert listed and all('"branches_meeting"."organization_id" IN (' in sql for sql in listed)
    assert not any('"branches_organization"."name" LIKE' in sql for sql in listed)
    assert not any('UPPER("branches_organization"."name"' in sql for sql in listed)
    assert found("学习二十大")[0] == {a_meeting.pk, b_meeting.pk}
    assert found("学习二十大 青桥村")[0] == {b_meeting.pk}  # every term must match
    assert found("礼堂")[0] == {b_meeting.pk}
    assert found("没有这个")[0] == set()
    # A secretary's search never reaches another village's records by its name.
    sec = login(users.sec_a)
    resp = sec.get(url, {"q": "青桥村"})
    if resp.status_code == 200:
        assert list(resp.context["cl"].result_list) == []


def test_admin_talk_search_by_talker_name_and_member_name(tree, users, login):
    member = tree.a_members[0]
    by_member = TalkFactory(organization=tree.a1, talker=member, topic="谈心一")
    by_name = TalkFactory(organization=tree.a1, talker=None, talker_name="王书记", topic="谈心二")
    client = login(users.office)
    url = reverse("admin:branches_talk_changelist")
    found = {t.pk for t in client.get(url, {"q": member.name}).context["cl"].result_list}
    assert by_member.pk in found and by_name.pk not in found
    found = {t.pk for t in client.get(url, {"q": "王书记"}).context["cl"].result_list}
    assert found == {by_name.pk}


# --- the home page --------------------------------------------------------------------------


def test_office_home_reads_this_years_cadence_once(tree, users, login, monkeypatch):
    """The quarter's cells and the villages behind come from one cadence matrix (its aggregate
    over the year's meetings is the home page's dearest query)."""
    from branches import selectors

    calls = []
    real = selectors.cadence_matrix

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(selectors, "cadence_matrix", counting)
    client = login(users.office)
    resp = client.get(reverse("branches:home"))
    assert resp.status_code == 200
    assert len(calls) == 1, calls
    assert "cadence" in resp.context and "cadence_key" in resp.context


# --- no <select> of every organisation or member in the admin -------------------------------


BIG_MODELS = {"branches.organization", "branches.member"}


def _big_foreign_keys():
    """(admin, field) for every admin form's foreign key to organisations or members."""
    from django.contrib import admin

    out = []
    for model, model_admin in admin.site._registry.items():
        admins = [(model, model_admin)] + [
            (inline.model, inline(model, admin.site)) for inline in model_admin.inlines
        ]
        for form_model, form_admin in admins:
            for f in form_model._meta.get_fields():
                if not ((f.many_to_one or f.many_to_many) and f.concrete and f.editable):
                    continue
                if f.related_model._meta.label_lower in {
                    "branches.organization",
                    "branches.member",
                }:
                    out.append((form_admin, f.name))
    return out


@pytest.mark.django_db
def test_every_admin_foreign_key_to_organisations_or_members_is_an_autocomplete(rf, users):
    request = rf.get("/")
    request.user = users.office
    plain = [
        f"{type(a).__name__}.{name}"
        for a, name in _big_foreign_keys()
        if name not in a.get_autocomplete_fields(request) and name not in a.raw_id_fields
    ]
    assert plain == []


def test_an_admin_form_lists_no_organisation_options(tree, django_user_model):
    from django.test import Client

    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    resp = client.get(reverse("admin:worktasks_task_add"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'name="responsible"' in body and "admin-autocomplete" in body
    assert tree.b1.name not in body and tree.a1.name not in body


# --- the portal's filters: no <select> of every organisation ---------------------------------


def test_many_organisations_are_filtered_by_name_not_a_select(tree, users, login, monkeypatch):
    from branches import forms

    monkeypatch.setattr(forms, "ORGANIZATION_SELECT_LIMIT", 3)
    a = MeetingFactory(organization=tree.a1, topic="花园村的会")
    b = MeetingFactory(organization=tree.b1, topic="青桥村的会")
    client = login(users.office)  # sees seven organisations
    url = reverse("branches:meeting_list")
    body = client.get(url).content.decode()
    assert '<select name="organization"' not in body
    assert 'name="organization_name"' in body
    assert tree.b.name not in body  # no option per organisation

    def topics(params):
        return [m.topic for m in client.get(url, params).context["page"].object_list]

    assert topics({"organization_name": "青桥"}) == [b.topic]
    # A cadence cell's link still chooses one organisation by key, and the page names it.
    resp = client.get(url, {"organization": tree.a1.pk})
    assert [m.topic for m in resp.context["page"].object_list] == [a.topic]
    assert f'value="{tree.a1.pk}"' in resp.content.decode()
    assert tree.a1.name in resp.content.decode()
    # A secretary with few organisations keeps the select.
    sec = login(users.sec_a)
    assert '<select name="organization"' in sec.get(url).content.decode()


# --- a new record's first step: which organisation held it -------------------------------------


@pytest.mark.parametrize("route", ["branches:meeting_create", "branches:talk_create"])
def test_many_organisations_are_chosen_by_name_when_a_record_is_added(
    tree, users, login, monkeypatch, route
):
    """Step one of a new meeting or talk offered a <select> of every organisation in scope
    (5,001 options and 450 KB for a city's office): above the limit it takes a name."""
    from branches import forms

    monkeypatch.setattr(forms, "ORGANIZATION_SELECT_LIMIT", 3)
    client = login(users.office)  # sees seven organisations
    url = reverse(route)
    body = client.get(url).content.decode()
    assert '<select name="organization"' not in body
    assert 'name="organization_name"' in body
    assert tree.b1.name not in body

    # one match: straight to step two, for that organisation
    resp = client.get(url, {"organization_name": "青桥村第一"})
    assert resp.status_code == 302
    assert resp["Location"] == f"{url}?organization={tree.b1.pk}"

    # several: each is offered as a link to step two, under its parent's name
    resp = client.get(url, {"organization_name": "花园村"})
    body = resp.content.decode()
    for org in (tree.a, tree.a1, tree.a1g):
        assert f"{url}?organization={org.pk}" in body
    assert f"?organization={tree.b1.pk}" not in body

    # none: said in Chinese, the name kept in the box
    resp = client.get(url, {"organization_name": "不存在的支部"})
    body = resp.content.decode()
    assert "没有找到" in body and 'value="不存在的支部"' in body


def test_the_name_search_of_a_new_record_stays_in_scope(tree, users, login, monkeypatch):
    from branches import forms

    monkeypatch.setattr(forms, "ORGANIZATION_SELECT_LIMIT", 1)
    client = login(users.sec_a)  # 花园村: three organisations
    url = reverse("branches:meeting_create")
    resp = client.get(url, {"organization_name": "青桥"})
    assert f"?organization={tree.b1.pk}" not in resp.content.decode()
    assert resp.status_code == 200


def test_choosing_by_name_reads_a_bounded_page_whatever_the_tree(
    tree, users, login, monkeypatch, django_assert_max_num_queries
):
    from branches import forms
    from tests.factories import OrganizationFactory

    monkeypatch.setattr(forms, "ORGANIZATION_SELECT_LIMIT", 3)
    client = login(users.office)
    url = reverse("branches:meeting_create")

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url, {"organization_name": "支部"})
        assert resp.status_code == 200
        return len(ctx.captured_queries), resp.content.count(b"?organization=")

    few, shown_few = queries()
    assert shown_few == 3  # 机关党支部, 花园村第一党支部, 青桥村第一党支部
    for i in range(forms.CHOOSE_MATCHES_SHOWN + 5):
        OrganizationFactory(name=f"新建第{i}党支部", kind=tree.b1.Kind.BRANCH, parent=tree.b)
    many, shown_many = queries()
    assert many == few
    assert shown_many == forms.CHOOSE_MATCHES_SHOWN
    assert "请输入更完整的名称" in client.get(url, {"organization_name": "支部"}).content.decode()
