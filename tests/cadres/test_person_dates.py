"""Nobody in the cadres' records was born after today (defect H4): the birth date typed, or the
one read from the ID number when none is typed, is refused on the birth date field with the
members' message — through the model (admin, imports) and the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import MSG_BORN_IN_FUTURE
from cadres import services
from cadres.models import Applicant, Candidate, GroupLeader, ReserveCadre, VillageCadre
from chengjiang.access import SYSTEM
from tests.cadres.factories import ElectionRoundFactory, VillageGroupFactory
from tests.factories import VillageFactory, valid_id_number

D = datetime.date
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]

FUTURE_ID = "341802203001011234"  # born 2030-01-01, a valid check digit


@pytest.mark.parametrize("model", [Candidate, GroupLeader, Applicant, ReserveCadre, VillageCadre])
@pytest.mark.parametrize("typed", [True, False])
def test_a_person_born_in_the_future_is_refused(model, typed):
    person = model(
        name="测试", gender="M", id_number=FUTURE_ID, birth_date=D(2030, 1, 1) if typed else None
    )
    with pytest.raises(ValidationError) as exc:
        person.full_clean()
    assert exc.value.message_dict["birth_date"] == ["出生日期不能晚于今天。"]
    assert str(MSG_BORN_IN_FUTURE) == "出生日期不能晚于今天。"


def test_born_today_is_not_refused_for_the_birth_date():
    today = timezone.localdate()
    person = GroupLeader(name="测试", gender="M", id_number=valid_id_number(today))
    with pytest.raises(ValidationError) as exc:  # refused for the missing group and dates
        person.full_clean()
    assert "birth_date" not in exc.value.message_dict
    assert person.birth_date == today


def test_the_services_refuse_a_future_birth_date():
    village = VillageFactory()
    with pytest.raises(ValidationError) as exc:
        services.reserve_cadre_add(
            village=village,
            name="未来人",
            gender="M",
            id_number=FUTURE_ID,
            education="bachelor",
            recruited_on=D(2024, 6, 1),
            by=SYSTEM,
        )
    assert exc.value.message_dict["birth_date"] == [str(MSG_BORN_IN_FUTURE)]
    assert not ReserveCadre.objects.exists()
    round_ = ElectionRoundFactory(villages=[village])
    with pytest.raises(ValidationError) as exc:
        services.candidate_register(
            round=round_,
            group=VillageGroupFactory(village=village),
            name="未来人",
            gender="M",
            id_number=FUTURE_ID,
            by=SYSTEM,
        )
    assert exc.value.message_dict["birth_date"] == [str(MSG_BORN_IN_FUTURE)]
    assert not Candidate.objects.exists()
