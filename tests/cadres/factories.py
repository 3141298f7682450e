"""factory_boy builders and small helpers for the 队伍建设 tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from cadres import services
from cadres.models import (
    Applicant,
    ElectionRound,
    GroupFigures,
    Recruitment,
    VillageCadre,
    VillageGroup,
)
from chengjiang.access import SYSTEM
from tests.factories import VillageFactory, valid_id_number

D = datetime.date
JAN1 = D(2024, 1, 1)
BORN = D(1980, 1, 1)
ELECTION_DAY = D(2024, 4, 20)

# tiers: (population from, workload from, allowance)
TIERS = [(0, 0, 600), (300, 40, 800), (500, 60, 1000), (700, 80, 1200), (900, 100, 1500)]


def make_scale(effective_from=JAN1, tiers=TIERS, name="五档薪酬"):
    return services.pay_scale_create(
        name=name,
        effective_from=effective_from,
        tiers=[services.TierSpec(i + 1, p, w, Decimal(a)) for i, (p, w, a) in enumerate(tiers)],
        by=SYSTEM,
    )


class VillageGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageGroup

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"第{n}村民组")


class GroupFiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupFigures

    group = factory.SubFactory(VillageGroupFactory)
    effective_from = D(2024, 1, 1)
    population = 200
    households = 60
    workload = 10


def group_with(village, population, workload=0, *, since=JAN1, name=None):
    group = VillageGroupFactory(village=village, **({"name": name} if name else {}))
    GroupFiguresFactory(group=group, population=population, workload=workload, effective_from=since)
    return group


class ElectionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElectionRound
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"2024年村民组长选举{n}")
    announced_on = D(2024, 3, 1)
    term_start = D(2024, 5, 1)
    term_end = D(2029, 4, 30)
    pass_mark = Decimal("60")

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        if create and extracted:
            self.villages.set(extracted)


def candidate(round_, group, *, birth=BORN, name="候选人"):
    return services.candidate_register(
        round=round_,
        group=group,
        name=name,
        gender="M",
        id_number=valid_id_number(birth),
        by=SYSTEM,
    )


ALL_MET = {
    "politically_reliable": True,
    "law_abiding": True,
    "knows_village": True,
    "lives_locally": True,
    "in_good_health": True,
}


def qualify(c, **overrides):
    return services.candidate_check_qualification(
        candidate=c,
        conditions={**ALL_MET, **overrides},
        checked_by="审查组",
        checked_on=D(2024, 3, 15),
        by=SYSTEM,
    )


def recommend(c, party=True, votes_for=40, votes_cast=50):
    return services.candidate_record_recommendations(
        candidate=c,
        party_recommended=party,
        votes_for=votes_for,
        votes_cast=votes_cast,
        on=D(2024, 3, 28),
        by=SYSTEM,
    )


def examine(c, score="80"):
    return services.candidate_record_exam(
        candidate=c, score=Decimal(score), on=D(2024, 4, 12), by=SYSTEM
    )


def elect(c, votes_for=100, votes_cast=150, on=ELECTION_DAY, expected=None):
    """One candidate's ballot at the group meeting: ``votes_cast`` present of ``expected``
    (default: everyone who should attend came)."""
    services.group_meeting_record(
        round=c.round,
        group=c.group,
        held_on=on,
        basis="adults",
        expected=expected or votes_cast,
        present=votes_cast,
        votes={c: votes_for},
        by=SYSTEM,
    )
    c.refresh_from_db()
    return c


def through_exam(round_, group, **kw):
    c = candidate(round_, group, **kw)
    qualify(c)
    recommend(c)
    return examine(c)


class RecruitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recruitment

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"后备干部招考{n}")
    announced_on = D(2024, 10, 8)
    posts = 1
    age_limit = 35
    min_education = "college"
    written_weight = Decimal("50")
    interview_weight = Decimal("50")
    interview_ratio = 3


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    recruitment = factory.SubFactory(RecruitmentFactory)
    name = factory.Sequence(lambda n: f"报名者{n}")
    gender = "M"
    birth_date = D(1998, 5, 1)
    id_number = factory.LazyAttribute(lambda o: valid_id_number(o.birth_date))
    education = "bachelor"


def applicant_at_written(rec, written, **kw):
    a = ApplicantFactory(recruitment=rec, **kw)
    services.applicant_review(applicant=a, passed=True, by=SYSTEM)
    return services.applicant_record_written(
        applicant=a, score=None if written is None else Decimal(written), by=SYSTEM
    )


class VillageCadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageCadre

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"村干部{n}")
    gender = "M"
    post = VillageCadre.Post.SECRETARY
    term_start = D(2021, 10, 8)
