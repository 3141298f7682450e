"""Records of 队伍建设 in both test villages (花园村 = A, 青桥村 = B) for page and scope tests."""

import datetime
from types import SimpleNamespace

import pytest

from cadres import services
from cadres.models import Pairing
from chengjiang.access import SYSTEM
from tests.cadres.factories import VillageCadreFactory, group_with, make_scale
from tests.factories import valid_id_number

D = datetime.date


def village_records(village, n_groups=2, prefix=""):
    groups = [group_with(village, 100 + 200 * i, name=f"{prefix}组{i}") for i in range(n_groups)]
    leaders = [
        services.leader_take_office(
            group=g,
            name=f"{prefix}组长{i}",
            gender="M",
            id_number=valid_id_number(),
            started_on=D(2024, 5, 1),
            term_end=D(2029, 4, 30),
            by=SYSTEM,
        )
        for i, g in enumerate(groups)
    ]
    mentors = [VillageCadreFactory(village=village, id_number=valid_id_number()) for _ in range(2)]
    cadre = services.reserve_cadre_add(
        village=village,
        name=f"{prefix}后备",
        gender="F",
        id_number=valid_id_number(),
        education="bachelor",
        recruited_on=D(2024, 11, 28),
        by=SYSTEM,
    )
    pairing = services.pairing_create(
        reserve_cadre=cadre,
        mentors=mentors,
        mode=Pairing.Mode.MANY_TO_ONE,
        started_on=D(2024, 12, 2),
        by=SYSTEM,
    )
    return SimpleNamespace(
        groups=groups, leaders=leaders, mentors=mentors, cadre=cadre, pairing=pairing
    )


@pytest.fixture
def records(tree):
    make_scale()
    return SimpleNamespace(
        a=village_records(tree.va, prefix="花园"), b=village_records(tree.vb, prefix="青桥")
    )
