"""结对帮带: one-to-one or many-to-one with serving cadres of the village; logs; end assessment."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cadres import services
from cadres.models import Pairing, ReserveCadre, VillageCadre
from chengjiang.access import SYSTEM
from tests.cadres.factories import VillageCadreFactory
from tests.factories import VillageFactory, valid_id_number

D = datetime.date
START = D(2024, 12, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre():
    return services.reserve_cadre_add(
        village=VillageFactory(),
        name="后备",
        gender="F",
        id_number=valid_id_number(),
        education="bachelor",
        recruited_on=D(2024, 11, 28),
        by=SYSTEM,
    )


def mentor(village, **kw):
    return VillageCadreFactory(village=village, id_number=valid_id_number(), **kw)


def pair(cadre, mentors, mode, start=START):
    return services.pairing_create(
        reserve_cadre=cadre, mentors=mentors, mode=mode, started_on=start, by=SYSTEM
    )


def test_mode_must_match_the_mentors(cadre):
    m1, m2 = mentor(cadre.village), mentor(cadre.village)
    with pytest.raises(ValidationError) as exc:
        pair(cadre, [m1, m2], Pairing.Mode.ONE_TO_ONE)
    assert str(services.MSG_MENTOR_COUNT_ONE) in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        pair(cadre, [m1], Pairing.Mode.MANY_TO_ONE)
    assert str(services.MSG_MENTOR_COUNT_MANY) in exc.value.messages
    assert pair(cadre, [m1, m2], Pairing.Mode.MANY_TO_ONE).mentors.count() == 2


def test_mentors_are_serving_cadres_of_the_same_village(cadre):
    with pytest.raises(ValidationError, match="不是该后备干部所在村的村干部。"):
        pair(cadre, [mentor(VillageFactory())], Pairing.Mode.ONE_TO_ONE)
    retired = mentor(cadre.village, term_end=D(2024, 6, 30))
    with pytest.raises(ValidationError, match="在结对开始之日未担任村干部职务。"):
        pair(cadre, [retired], Pairing.Mode.ONE_TO_ONE)


def test_one_active_pairing_at_a_time_and_end_assessment(cadre):
    m = mentor(cadre.village, post=VillageCadre.Post.DIRECTOR)
    p = pair(cadre, [m], Pairing.Mode.ONE_TO_ONE)
    with pytest.raises(ValidationError) as exc:
        pair(cadre, [m], Pairing.Mode.ONE_TO_ONE)
    assert str(services.MSG_ALREADY_PAIRED) in exc.value.messages
    with pytest.raises(ValidationError, match="请填写结对期满考核结果。"):
        services.pairing_end(pairing=p, ended_on=D(2025, 12, 1), assessment="", by=SYSTEM)
    services.pairing_end(
        pairing=p, ended_on=D(2025, 12, 1), assessment=Pairing.Assessment.COMPETENT, by=SYSTEM
    )
    with pytest.raises(ValidationError) as exc:
        services.mentoring_log_add(pairing=p, date=D(2025, 12, 2), content="x", by=SYSTEM)
    assert str(services.MSG_PAIRING_ENDED) in exc.value.messages
    assert pair(cadre, [m], Pairing.Mode.ONE_TO_ONE, start=D(2025, 12, 2))


def test_log_dates_and_mentors(cadre):
    m, other = mentor(cadre.village), mentor(cadre.village)
    p = pair(cadre, [m], Pairing.Mode.ONE_TO_ONE)
    with pytest.raises(ValidationError, match="记录日期必须在结对期间内。"):
        services.mentoring_log_add(pairing=p, date=D(2024, 12, 1), content="早于结对", by=SYSTEM)
    with pytest.raises(ValidationError) as exc:
        services.mentoring_log_add(
            pairing=p, date=D(2024, 12, 5), content="x", mentor=other, by=SYSTEM
        )
    assert str(services.MSG_LOG_MENTOR) in exc.value.messages
    with pytest.raises(ValidationError, match="日期不能晚于今天。"):
        services.mentoring_log_add(pairing=p, date=D(2999, 1, 1), content="未来", by=SYSTEM)
    assert services.mentoring_log_add(
        pairing=p, date=D(2024, 12, 5), content="ok", mentor=m, by=SYSTEM
    )


def test_status_over_time(cadre):
    services.reserve_cadre_set_status(
        cadre=cadre,
        status=ReserveCadre.Status.APPOINTED,
        since=D(2025, 3, 1),
        post="村委委员",
        by=SYSTEM,
    )
    with pytest.raises(ValidationError, match="状态变更日期必须晚于当前状态的起始日期。"):
        services.reserve_cadre_set_status(
            cadre=cadre, status=ReserveCadre.Status.LEFT, since=D(2025, 3, 1), by=SYSTEM
        )
    services.reserve_cadre_set_status(
        cadre=cadre, status=ReserveCadre.Status.LEFT, since=D(2025, 9, 1), by=SYSTEM
    )
    cadre.refresh_from_db()
    assert cadre.status == ReserveCadre.Status.LEFT
    assert [s.status for s in cadre.statuses.all()] == ["pool", "appointed", "left"]
    with pytest.raises(ValidationError) as exc:
        pair(cadre, [mentor(cadre.village)], Pairing.Mode.ONE_TO_ONE, start=D(2025, 10, 1))
    assert str(services.MSG_CADRE_LEFT) in exc.value.messages
