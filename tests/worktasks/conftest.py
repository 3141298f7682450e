import datetime

import pytest
from django.core.cache import cache

from branches.models import MeetingKind, Status
from tests.factories import MeetingFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def meeting(db):
    """Approved meeting builder: meeting(org, kind, held_on=...)."""

    def _make(org, kind=MeetingKind.DEMOCRATIC_LIFE, held_on=datetime.date(2024, 3, 10), **kw):
        return MeetingFactory(
            organization=org, kind=kind, held_on=held_on, status=Status.APPROVED, **kw
        )

    return _make
