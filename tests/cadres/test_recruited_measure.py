"""后备干部 recruited in a year: only those who came through that year's open recruitment."""

import datetime

from cadres import services
from chengjiang import measures
from chengjiang.access import SYSTEM
from chengjiang.measures import Period
from tests.factories import valid_id_number

from .factories import ApplicantFactory, RecruitmentFactory

D = datetime.date


def _recruited(year=2024):
    return measures.get("cadres.reserve_cadres_recruited").evaluate(
        period=Period.year(year), scope=""
    )


def test_only_cadres_hired_through_the_open_recruitment_count(tree):
    rec = RecruitmentFactory(village=tree.va, announced_on=D(2024, 10, 8))
    applicant = ApplicantFactory(recruitment=rec)
    hired = services.reserve_cadre_add(
        village=tree.va,
        name=applicant.name,
        gender="M",
        id_number=applicant.id_number,
        education="bachelor",
        recruited_on=D(2024, 11, 28),
        applicant=applicant,
        by=SYSTEM,
    )
    assert _recruited().value == 1
    # a reserve cadre entered without the recruitment (e.g. named by the village) is not one
    services.reserve_cadre_add(
        village=tree.vb,
        name="村推荐人选",
        gender="F",
        id_number=valid_id_number(D(1996, 3, 3)),
        education="college",
        recruited_on=D(2024, 6, 1),
        by=SYSTEM,
    )
    result = _recruited()
    assert result.value == 1
    assert list(result.records) == [hired]
    assert _recruited(2023).value == 0
