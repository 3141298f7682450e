"""Demo data for 队伍建设 (run by ``manage.py load_demo`` after branches.demo).

21 village groups over 花园村 (11) and 青桥村 (10) spread across the five pay tiers of the
2024 scale; the 2024 round of 两荐一考一选 in which exactly 21 group leaders are elected, with
candidates stopping at each step for a recorded reason; the October 2024 open recruitment of
one reserve cadre for 花园村 with written, interview and assessment results; village cadres as
mentors; one-to-one and many-to-one pairings with log entries. Every person is invented; ID
numbers are fictional with valid check digits (branches.demo.fake_id). Deterministic (seeded)
and idempotent (a second run changes nothing).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from auditlog.context import disable_auditlog

from branches.demo import GIVEN, SURNAMES, fake_id
from branches.models import Member, Village
from chengjiang.access import SYSTEM

from . import services
from .models import (
    Applicant,
    Candidate,
    ElectionRound,
    Pairing,
    Recruitment,
    ReserveCadre,
    VillageCadre,
    VillageCommitteeTerm,
    VillageGroup,
    term_end_from,
)

D = datetime.date
ROUND_NAME = "2024年村民组长选举（两荐一考一选）"
RECRUITMENT_NAME = "2024年花园村后备干部公开招考"
SCALE_NAME = "澄江街道村民组长五档递增薪酬"
COMMITTEE_TERM_START = D(2021, 10, 8)
# The group (by index within 花园村) whose first ballot is a tie: 另行选举, then a second ballot.
TIE_GROUP = 6

# (population from, workload points from, monthly allowance)
TIERS = [(0, 0, 600), (300, 40, 800), (500, 60, 1000), (700, 80, 1200), (900, 100, 1500)]

# name, population, households, area (mu), duties, workload points
HUAYUAN_GROUPS = [
    ("大塘组", 268, 82, 410, "", 30),  # tier 1
    ("河埂组", 295, 90, 380, "", 35),  # tier 1
    ("上湾组", 342, 104, 520, "", 42),  # tier 2
    ("下湾组", 410, 126, 600, "", 48),  # tier 2
    ("茶园组", 455, 133, 900, "茶叶合作社", 58),  # tier 2
    ("新屋组", 536, 160, 650, "", 62),  # tier 3
    ("竹林组", 480, 150, 700, "村集体企业厂区", 66),  # tier 3 (by workload)
    ("桥头组", 742, 228, 820, "", 84),  # tier 4
    ("老街组", 780, 241, 310, "红色物业服务点", 92),  # tier 4
    ("塘埂组", 935, 287, 1050, "", 104),  # tier 5
    ("松林组", 660, 201, 760, "党员教育实训基地", 101),  # tier 5 (by workload)
]
QINGQIAO_GROUPS = [
    ("东庄组", 215, 66, 360, "", 24),  # tier 1
    ("西庄组", 320, 97, 450, "", 41),  # tier 2
    ("南圩组", 388, 118, 620, "圩堤防汛", 55),  # tier 2
    ("北圩组", 512, 156, 700, "圩堤防汛", 61),  # tier 3
    ("青桥组", 598, 182, 540, "", 69),  # tier 3
    ("石桥组", 705, 214, 800, "", 80),  # tier 4
    ("枫树组", 690, 210, 880, "美丽乡村示范点", 88),  # tier 4 (by workload)
    ("高岗组", 910, 276, 1200, "", 98),  # tier 5
    ("杨柳组", 274, 84, 330, "", 33),  # tier 1
    ("后山组", 450, 140, 980, "", 52),  # tier 2; from July 2024 tier 3 (resettlement)
]

# How some candidates stop (by group index within its village); everyone else passes.
# Qualification: a condition not met; recommendation: not recommended or too few votes;
# exam: below the pass mark; election: fewer votes than the rule; plus one withdrawal.
STOPS_HUAYUAN = {
    0: ("qualification", "lives_locally"),
    2: ("recommendation", "party"),
    4: ("exam", Decimal("52.5")),
    6: ("election", 0),
    8: ("withdraw", "因家庭原因本人申请退出"),
    9: ("recommendation", "mass"),
}
STOPS_QINGQIAO = {
    1: ("qualification", "in_good_health"),
    3: ("exam", Decimal("55.0")),
    5: ("election", 0),
    7: ("qualification", "lives_locally"),
    9: ("election", 0),
}


class People:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def make(self, *, born=(1965, 1990), female=None):
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        female = rng.random() < 0.35 if female is None else female
        birth = D(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            id_number = fake_id(rng, birth, female)
            if id_number not in self.used:
                self.used.add(id_number)
                break
        return {
            "name": name,
            "gender": "F" if female else "M",
            "id_number": id_number,
            "birth": birth,
        }


def load(ctx: dict) -> None:
    if ElectionRound.objects.filter(name=ROUND_NAME).exists():
        return  # already loaded: a second run changes nothing
    with disable_auditlog():
        _load(ctx)


def _load(ctx: dict) -> None:
    people = People(2024_10)
    huayuan = Village.objects.get(name="花园村")
    qingqiao = Village.objects.get(name="青桥村")
    _pay_scales()
    hy_groups = _groups(huayuan, HUAYUAN_GROUPS)
    qq_groups = _groups(qingqiao, QINGQIAO_GROUPS)
    # 后山组: resettled households from July 2024 move it up a tier; the earlier row stays.
    services.group_figures_set(
        group=qq_groups[-1],
        effective_from=D(2024, 7, 1),
        population=536,
        households=168,
        area_mu=Decimal("980"),
        workload=63,
        duties="安置小区",
        by=SYSTEM,
    )
    _previous_leaders(hy_groups + qq_groups, people)
    # 村民委员会 elected in October 2021 (the 换届 of the village cadres below): the group
    # leaders elected in 2024 serve to the end of the committee's term (第二十八条).
    for village in (huayuan, qingqiao):
        services.village_committee_term_save(
            term=VillageCommitteeTerm(village=village, starts_on=COMMITTEE_TERM_START), by=SYSTEM
        )
    election = services.election_round_create(
        name=ROUND_NAME,
        villages=[huayuan, qingqiao],
        announced_on=D(2024, 3, 1),
        term_start=D(2024, 5, 1),
        term_end=term_end_from(COMMITTEE_TERM_START),
        pass_mark=Decimal("60"),
        by=SYSTEM,
    )
    _election(election, hy_groups, STOPS_HUAYUAN, people, D(2024, 4, 20))
    _election(election, qq_groups, STOPS_QINGQIAO, people, D(2024, 4, 26))
    mentors = _village_cadres(huayuan, qingqiao, people)
    hired = _recruitment(huayuan, people)
    _reserve_cadres_and_pairings(huayuan, qingqiao, hired, mentors, people, ctx)


def _pay_scales() -> None:
    services.pay_scale_create(
        name=SCALE_NAME + "（试行）",
        effective_from=D(2023, 1, 1),
        tiers=[
            services.TierSpec(i + 1, p, w, Decimal(a) - 100) for i, (p, w, a) in enumerate(TIERS)
        ],
        note="2023年试行标准",
        by=SYSTEM,
    )
    services.pay_scale_create(
        name=SCALE_NAME,
        effective_from=D(2024, 1, 1),
        tiers=[services.TierSpec(i + 1, p, w, Decimal(a)) for i, (p, w, a) in enumerate(TIERS)],
        note="依据《澄江街道关于加强村民小组组长队伍建设实施方案》",
        by=SYSTEM,
    )


def _groups(village, rows):
    groups = []
    for name, population, households, area, duties, workload in rows:
        group = services.group_save(group=VillageGroup(village=village, name=name), by=SYSTEM)
        services.group_figures_set(
            group=group,
            effective_from=D(2023, 1, 1),
            population=population,
            households=households,
            area_mu=Decimal(area),
            duties=duties,
            workload=workload,
            by=SYSTEM,
        )
        groups.append(group)
    return groups


def _previous_leaders(groups, people) -> None:
    for group in groups:
        p = people.make(born=(1955, 1975))
        services.leader_take_office(
            group=group,
            name=p["name"],
            gender=p["gender"],
            id_number=p["id_number"],
            started_on=D(2019, 5, 1),
            term_end=D(2024, 4, 30),
            by=SYSTEM,
        )


def _conditions(failing: str | None = None) -> dict:
    return {f: f != failing for f in Candidate.QUALIFICATIONS}


def _register(election, group, people):
    p = people.make()
    return services.candidate_register(
        round=election,
        group=group,
        name=p["name"],
        gender=p["gender"],
        id_number=p["id_number"],
        phone="",
        by=SYSTEM,
    )


def _election(election, groups, stops, people, election_day) -> None:
    checked_on, recommended_on, exam_on = D(2024, 3, 15), D(2024, 3, 28), D(2024, 4, 12)
    checker = "街道党建办资格审查小组"
    rng = people.rng
    for index, group in enumerate(groups):
        winner = _register(election, group, people)
        other = _register(election, group, people) if index in stops else None
        for c in (winner, other):
            if c is None:
                continue
            stop = stops.get(index) if c is other else None
            failing = stop[1] if stop and stop[0] == "qualification" else None
            c = services.candidate_check_qualification(
                candidate=c,
                conditions=_conditions(failing),
                checked_by=checker,
                checked_on=checked_on,
                by=SYSTEM,
            )
            if c.stage == Candidate.Stage.STOPPED:
                continue
            cast = 40 + rng.randint(0, 30)
            if stop and stop[0] == "recommendation":
                services.candidate_record_recommendations(
                    candidate=c,
                    party_recommended=stop[1] != "party",
                    votes_for=cast // 3 if stop[1] == "mass" else cast - 5,
                    votes_cast=cast,
                    on=recommended_on,
                    by=SYSTEM,
                )
                continue
            services.candidate_record_recommendations(
                candidate=c,
                party_recommended=True,
                votes_for=cast - rng.randint(2, 12),
                votes_cast=cast,
                on=recommended_on,
                by=SYSTEM,
            )
            if stop and stop[0] == "withdraw":
                services.candidate_withdraw(candidate=c, reason=stop[1], by=SYSTEM)
                continue
            score = stop[1] if stop and stop[0] == "exam" else Decimal(rng.randint(130, 190)) / 2
            services.candidate_record_exam(candidate=c, score=score, on=exam_on, by=SYSTEM)
        finalists = [Candidate.objects.get(pk=c.pk) for c in (winner, other) if c is not None]
        finalists = [c for c in finalists if c.stage == Candidate.Stage.EXAMINED]
        # 村民小组会议: the adult villagers (about four in five of the population) should attend;
        # more than two-thirds do. A candidate needs more than half of those present.
        figures = group.figures_on(election_day)
        expected = figures.population * 4 // 5
        present = expected - rng.randint(expected // 10, expected // 5)
        meeting = {
            "round": election,
            "group": group,
            "basis": "adults",
            "expected": expected,
            "present": present,
            "by": SYSTEM,
        }
        if len(finalists) == 2:
            loser_votes = present // 3
            if index == TIE_GROUP and group.village.name == "花园村":
                tie = (present - 4) // 2
                services.group_meeting_record(
                    **meeting, held_on=election_day, votes={c: tie for c in finalists}
                )
                election_day_2 = election_day + datetime.timedelta(days=1)
            else:
                election_day_2 = election_day
            services.group_meeting_record(
                **meeting,
                held_on=election_day_2,
                votes={finalists[0]: present - loser_votes - 3, finalists[1]: loser_votes},
            )
        else:
            services.group_meeting_record(
                **meeting,
                held_on=election_day,
                votes={finalists[0]: present - rng.randint(5, 20)},
            )


def _village_secretary(village) -> Member:
    """The serving secretary of the village's Party organisation (党委 / 党总支): the 村干部 who
    is 村党组织书记 is this member, one person with one record. Appointed here from the
    village's members if branches.demo named none."""
    from branches import services as branch_services
    from branches.models import Organization, Post, SecretaryTerm

    org = Organization.objects.get(
        village=village,
        kind__in=[Organization.Kind.PARTY_COMMITTEE, Organization.Kind.GENERAL_BRANCH],
    )
    term = SecretaryTerm.objects.filter(
        organization=org, post=Post.SECRETARY, ended_on__isnull=True
    ).first()
    if term is None:
        member = Member.objects.filter(branch__village=village).order_by("pk").first()
        term = branch_services.secretary_appoint(
            organization=org, member=member, date=COMMITTEE_TERM_START, by=SYSTEM
        )
    return term.member


def _village_cadres(huayuan, qingqiao, people) -> dict:
    Post = VillageCadre.Post
    out = {}
    for village, prefix in ((huayuan, "hy"), (qingqiao, "qq")):
        for post in (Post.SECRETARY, Post.DIRECTOR, Post.DEPUTY_SECRETARY, Post.COMMITTEE_MEMBER):
            p = people.make(born=(1968, 1988))
            member = _village_secretary(village) if post == Post.SECRETARY else None
            cadre = services.village_cadre_save(
                cadre=VillageCadre(
                    village=village,
                    member=member if post == Post.SECRETARY else None,
                    name=member.name if post == Post.SECRETARY and member else p["name"],
                    gender=member.gender if post == Post.SECRETARY and member else p["gender"],
                    id_number=member.id_number
                    if post == Post.SECRETARY and member
                    else p["id_number"],
                    post=post,
                    term_start=D(2021, 10, 8),
                ),
                by=SYSTEM,
            )
            out[(prefix, post)] = cadre
    return out


APPLICANTS = [
    # education, school, native place, xuanzhou, born, written, interview, qualification note
    ("bachelor", "安徽师范大学", "宣州区澄江街道", True, 1999, "82.5", "86.0", ""),
    ("bachelor", "安徽农业大学", "宣州区水阳镇", True, 1998, "85.0", "80.0", ""),
    ("college", "宣城职业技术学院", "宣州区狸桥镇", True, 2000, "78.0", "87.0", ""),
    ("bachelor", "合肥学院", "郎溪县", False, 1997, "78.0", "79.0", ""),
    ("college", "芜湖职业技术学院", "宣州区孙埠镇", True, 2001, "71.0", None, ""),
    ("bachelor", "安徽工程大学", "宣州区澄江街道", True, 1996, None, None, ""),
    ("bachelor", "安徽大学", "宁国市", False, 1985, None, None, ""),  # over the age limit
    ("senior", "宣城中学", "宣州区澄江街道", True, 2002, None, None, ""),  # education
]


def _recruitment(huayuan, people) -> ReserveCadre:
    rec = services.recruitment_save(
        recruitment=Recruitment(
            village=huayuan,
            name=RECRUITMENT_NAME,
            announced_on=D(2024, 10, 8),
            posts=1,
            age_limit=35,
            min_education="college",
            native_preference="宣州籍全日制大学毕业生优先",
            written_weight=Decimal("50"),
            interview_weight=Decimal("50"),
            interview_ratio=3,
            assessment_rule="按综合成绩从高到低等额确定考察对象，考察合格后公示7天",
        ),
        by=SYSTEM,
    )
    applicants = []
    for i, (edu, school, native, xz, born, *_rest) in enumerate(APPLICANTS):
        p = people.make(born=(born, born), female=i % 3 == 1)
        applicants.append(
            services.applicant_register(
                applicant=Applicant(
                    recruitment=rec,
                    name=p["name"],
                    gender=p["gender"],
                    id_number=p["id_number"],
                    phone=f"1990001{i:04d}",
                    education=edu,
                    school=school,
                    major="行政管理" if i % 2 else "农业经济管理",
                    native_place=native,
                    xuanzhou_native=xz,
                ),
                by=SYSTEM,
            )
        )
    for a in applicants:
        services.applicant_review(applicant=a, passed=True, by=SYSTEM)
    for a, row in zip(applicants, APPLICANTS, strict=True):
        a.refresh_from_db()
        if a.stage == Applicant.Stage.QUALIFIED:
            services.applicant_record_written(
                applicant=a, score=Decimal(row[5]) if row[5] else None, by=SYSTEM
            )
    services.recruitment_select_interviewees(recruitment=rec, by=SYSTEM)
    for a, row in zip(applicants, APPLICANTS, strict=True):
        a.refresh_from_db()
        if a.stage == Applicant.Stage.INTERVIEW:
            services.applicant_record_interview(applicant=a, score=Decimal(row[6]), by=SYSTEM)
    (chosen,) = services.recruitment_select_for_assessment(recruitment=rec, by=SYSTEM)
    services.applicant_assess(
        applicant=chosen, passed=True, note="政治素质好，群众基础好，综合考查合格", by=SYSTEM
    )
    services.applicant_publicise(
        applicant=chosen, start=D(2024, 11, 20), end=D(2024, 11, 26), by=SYSTEM
    )
    return services.applicant_hire(applicant=chosen, on=D(2024, 11, 28), by=SYSTEM)


def _reserve_cadres_and_pairings(huayuan, qingqiao, hired, mentors, people, ctx) -> None:
    Post = VillageCadre.Post
    p = people.make(born=(1994, 1996))
    earlier_hy = services.reserve_cadre_add(
        village=huayuan,
        name=p["name"],
        gender=p["gender"],
        id_number=p["id_number"],
        education="bachelor",
        school="安徽农业大学",
        recruited_on=D(2022, 9, 1),
        by=SYSTEM,
    )
    services.reserve_cadre_set_status(
        cadre=earlier_hy,
        status=ReserveCadre.Status.APPOINTED,
        since=D(2024, 1, 15),
        post="村委会委员",
        note="经村民代表会议推选任职",
        by=SYSTEM,
    )
    p = people.make(born=(1995, 1998))
    qq_cadre = services.reserve_cadre_add(
        village=qingqiao,
        name=p["name"],
        gender=p["gender"],
        id_number=p["id_number"],
        education="college",
        school="宣城职业技术学院",
        recruited_on=D(2023, 6, 15),
        by=SYSTEM,
    )
    # Named by 青桥村's 两委 in 2024 from returning young people, without an open recruitment:
    # in the reserve pool, but not one of the year's "公开招考" (cadres.reserve_cadres_recruited).
    p = people.make(born=(1997, 1999))
    services.reserve_cadre_add(
        village=qingqiao,
        name=p["name"],
        gender=p["gender"],
        id_number=p["id_number"],
        education="college",
        school="安徽职业技术学院",
        recruited_on=D(2024, 4, 22),
        by=SYSTEM,
    )
    # An ended one-to-one pairing (2022–2023) with its end-of-pairing assessment.
    old = services.pairing_create(
        reserve_cadre=earlier_hy,
        mentors=[mentors[("hy", Post.DIRECTOR)]],
        mode=Pairing.Mode.ONE_TO_ONE,
        started_on=D(2022, 9, 15),
        goals="熟悉村务管理和群众工作",
        by=SYSTEM,
    )
    services.mentoring_log_add(
        pairing=old,
        date=D(2023, 3, 10),
        mentor=mentors[("hy", Post.DIRECTOR)],
        content="带领参与春耕生产调度，讲解村级事务流程。",
        by=SYSTEM,
    )
    services.pairing_end(
        pairing=old,
        ended_on=D(2023, 12, 31),
        assessment=Pairing.Assessment.EXCELLENT,
        note="能独立承担村级事务，群众评价好。",
        by=SYSTEM,
    )
    # 多对一: 青桥村's reserve cadre with the secretary and the director.
    many = services.pairing_create(
        reserve_cadre=qq_cadre,
        mentors=[mentors[("qq", Post.SECRETARY)], mentors[("qq", Post.DIRECTOR)]],
        mode=Pairing.Mode.MANY_TO_ONE,
        started_on=D(2023, 7, 1),
        goals="围绕圩堤防汛和人居环境整治提升能力",
        by=SYSTEM,
    )
    by = ctx.get("qingqiao")
    for day, who, text in (
        (D(2024, 3, 8), ("qq", Post.SECRETARY), "参加“春早”行动示范培训班后交流学习体会。"),
        (D(2024, 6, 20), ("qq", Post.DIRECTOR), "跟班参与汛期圩堤巡查，讲解防汛预案。"),
        (D(2024, 10, 15), ("qq", Post.SECRETARY), "指导起草村民组长述职评议方案。"),
    ):
        services.mentoring_log_add(pairing=many, date=day, mentor=mentors[who], content=text, by=by)
    # 一对一: the new reserve cadre of 花园村 with the village's secretary.
    one = services.pairing_create(
        reserve_cadre=hired,
        mentors=[mentors[("hy", Post.SECRETARY)]],
        mode=Pairing.Mode.ONE_TO_ONE,
        started_on=D(2024, 12, 2),
        goals="一年内熟悉党建、集体经济和红色物业工作",
        by=SYSTEM,
    )
    services.mentoring_log_add(
        pairing=one,
        date=D(2024, 12, 16),
        mentor=mentors[("hy", Post.SECRETARY)],
        content="参加支部委员会列席学习，讲解“三会一课”记录规范。",
        by=ctx.get("huayuan"),
    )
