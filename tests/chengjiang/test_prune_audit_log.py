"""Retention: the audit trail keeps 365 days by default and never loses anything younger than
180 days (Cybersecurity Law art. 21: at least six months)."""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone

from chengjiang.accounts.models import PersonalDataAccess


def _entry(days_old: int, users) -> LogEntry:
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(users.office)),
        object_pk=str(users.office.pk),
        object_id=users.office.pk,
        object_repr=f"{days_old} days",
        action=LogEntry.Action.UPDATE,
        changes={},
    )
    LogEntry.objects.filter(pk=entry.pk).update(
        timestamp=timezone.now() - datetime.timedelta(days=days_old)
    )
    return entry


@pytest.fixture
def aged(users):
    LogEntry.objects.all().delete()
    return {days: _entry(days, users) for days in (1, 179, 181, 364, 366, 800)}


def _left():
    return sorted(int(r.split()[0]) for r in LogEntry.objects.values_list("object_repr", flat=True))


@pytest.mark.django_db
def test_default_keeps_a_year(aged):
    call_command("prune_audit_log", stdout=io.StringIO())
    assert _left() == [1, 179, 181, 364]


@pytest.mark.django_db
def test_shortest_allowed_keeps_six_months(aged):
    call_command("prune_audit_log", keep_days=180, stdout=io.StringIO())
    assert _left() == [1, 179]


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, 30, 179])
def test_shorter_retention_is_refused(aged, days):
    with pytest.raises(CommandError):
        call_command("prune_audit_log", keep_days=days, stdout=io.StringIO())
    assert len(_left()) == len(aged)


@pytest.mark.django_db
def test_dry_run_deletes_nothing(aged):
    out = io.StringIO()
    call_command("prune_audit_log", dry_run=True, stdout=out)
    assert len(_left()) == len(aged)
    assert "would delete 2" in out.getvalue()


@pytest.mark.django_db
def test_personal_data_views_follow_the_same_rule(users):
    old = PersonalDataAccess.objects.create(user=users.office, field="phone")
    recent = PersonalDataAccess.objects.create(user=users.office, field="phone")
    PersonalDataAccess.objects.filter(pk=old.pk).update(
        accessed_at=timezone.now() - datetime.timedelta(days=400)
    )
    call_command("prune_audit_log", stdout=io.StringIO())
    assert list(PersonalDataAccess.objects.values_list("pk", flat=True)) == [recent.pk]
