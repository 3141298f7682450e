"""A warm dashboard (issue 12: ≤ 30 ms at full size) reads the checklists once and keeps the
re-elections due with the page below the header, rendered once per data version and day: a
write shows at once, and nothing is read twice."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches import services
from chengjiang.access import SYSTEM

from .factories import ChecklistFactory, TaskFactory

URL = reverse("worktasks:dashboard")


def _get(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries], response.content.decode()


def _setup(tree):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(checklist=checklist, responsible=tree.root, measure_params={"kind": "theme_day"})
    ChecklistFactory(year=2023)


def test_a_warm_dashboard_reads_the_checklists_once_and_no_terms(tree, users, login):
    _setup(tree)
    client = login(users.office)
    for params in ({"year": 2024}, {}, {"year": 2024, "org": tree.a.pk}):
        _get(client, **params)  # cold: the page below the header is rendered and kept
        sqls, html = _get(client, **params)
        checklists = [s for s in sqls if 'FROM "worktasks_checklist"' in s]
        assert len(checklists) == 1, checklists
        assert not any('"term_ends_on" IS NULL' in s for s in sqls), sqls
        assert "换届" in html  # the re-elections section is still on the page


def test_the_kept_terms_section_shows_a_write_at_once(tree, users, login):
    _setup(tree)
    client = login(users.office)
    _sqls, before = _get(client, year=2024)
    assert "已届满未换届" not in before
    services.organization_term_set(
        organization=tree.b1, started_on=datetime.date(2015, 3, 1), by=SYSTEM
    )
    _sqls, after = _get(client, year=2024)
    assert "已届满未换届" in after and tree.b1.name in after


def test_the_kept_terms_section_is_the_day_s(tree, users, login, monkeypatch):
    """A term that ends tomorrow is due today and overdue tomorrow, with no write between."""
    _setup(tree)
    today = timezone.localdate()
    # a branch of a village: five years; ends tomorrow
    started = (today + datetime.timedelta(days=1)).replace(year=today.year - 5)
    services.organization_term_set(organization=tree.b1, started_on=started, by=SYSTEM)
    client = login(users.office)
    _sqls, html = _get(client, year=2024)
    assert tree.b1.name in html and "已届满未换届" not in html
    tomorrow = today + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    _sqls, html = _get(client, year=2024)
    assert "已届满未换届" in html
