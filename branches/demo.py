"""Demo data for 组织建设 (run by ``manage.py load_demo``).

澄江街道's tree with 花园村 and the invented 青桥村, fictional members with valid-checksum ID
numbers, and 2024 records that reproduce the year-end report: 民主生活会 2 次,
组织生活会 1 次 (one round in December in which all seven 党支部 met), 谈心谈话 130 余人次 (136),
新成立党支部 2 个, 分设党小组 4 个, 调整书记 1 人 (a 党小组's 组长 replaced as well, not counted) —
plus a year of 三会一课 with a few gaps, and this year's records up to last month for the
secretaries' portal.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import random

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from chengjiang.access import SYSTEM
from chengjiang.accounts import roles
from chengjiang.personal_data import id_check_digit

from . import models, selectors, services
from .models import (
    Attendance,
    DemocraticAppraisal,
    LeadershipTeam,
    LeadershipTeamMember,
    Meeting,
    MeetingKind,
    Member,
    Organization,
    Post,
    SecretaryTerm,
    Status,
    Talk,
    Village,
)

Kind = Organization.Kind
ROOT_NAME = "中共澄江街道工作委员会"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "桂兰",
    "海峰",
    "丽娟",
    "国庆",
    "春梅",
    "德明",
    "玉珍",
    "晓东",
    "红霞",
    "文斌",
    "翠萍",
    "永康",
    "雪芳",
    "立新",
    "淑华",
    "俊杰",
    "美玲",
    "家宝",
    "巧云",
    "长青",
    "小燕",
    "明辉",
    "金凤",
    "振华",
    "月娥",
    "宏伟",
    "素琴",
]


def fake_id(rng: random.Random, birth: datetime.date, female: bool) -> str:
    seq = rng.randint(10, 99)
    sex_digit = rng.choice("02468" if female else "13579")
    first17 = f"341802{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + id_check_digit(first17)


def _person(rng: random.Random, used_ids: set[str]):
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    female = rng.random() < 0.4
    birth = datetime.date(rng.randint(1955, 1998), rng.randint(1, 12), rng.randint(1, 28))
    while True:
        id_number = fake_id(rng, birth, female)
        if id_number not in used_ids:
            used_ids.add(id_number)
            return name, female, birth, id_number


def _joined(newest: bool, month: int, birth: datetime.date) -> dict:
    if newest:
        joined = datetime.date(2019, month, 1)
        return {"joined_on": joined, "confirmed_on": models.one_year_after(joined)}
    return {"joined_on": datetime.date(max(birth.year + 20, 1980), month, 1)}


def _members(org, group_orgs, count, rng, used, phones):
    created = []
    for i in range(count):
        name, female, birth, id_number = _person(rng, used)
        phones[0] += 1
        member = Member(
            name=name,
            gender="F" if female else "M",
            birth_date=birth,
            id_number=id_number,
            phone=f"1990000{phones[0]:04d}",
            education=rng.choice(Member.Education.values),
            # Long-standing members are full members; the branch's newest joined in 2019 and
            # was confirmed (转正) a year later. Probationers of today: ``_probationers``.
            **_joined(i == count - 1, rng.randint(1, 12), birth),
            branch=org,
            group=group_orgs[i % len(group_orgs)] if group_orgs else None,
        )
        services.member_save(member=member, by=SYSTEM)
        created.append(member)
    return created


# Why members were away (请假): the demo's meetings name their reasons as minutes do.
LEAVE_REASONS = ("外出务工请假", "生病住院", "照顾生病家属", "参加区里业务培训", "在外地务工")


def _attendance(org, kind, day, attendees):
    """Realistic attendance, the same on every load: about one in nine on leave with a reason,
    now and then one absent without leave. Its own random stream (seeded by the meeting), so
    the demo's other draws — which meetings the gaps leave out — stay as they were."""
    rng = random.Random(f"{org.pk}/{kind}/{day.isoformat()}")
    lines = []
    for m in attendees:
        draw = rng.random()
        if draw < 0.02 and lines:
            lines.append(services.AttendanceLine(member=m, status=Attendance.Status.ABSENT))
        elif draw < 0.12 and lines:
            lines.append(
                services.AttendanceLine(
                    member=m,
                    status=Attendance.Status.LEAVE,
                    absence_reason=rng.choice(LEAVE_REASONS),
                )
            )
        else:
            lines.append(services.AttendanceLine(member=m))
    return lines


def _meeting(
    org,
    kind,
    day,
    topic,
    attendees,
    rng,
    *,
    status=Status.APPROVED,
    by=SYSTEM,
    reviewer=None,
    team=None,
    appraisals=None,
):
    """One meeting as minuted: the first attendee hosts (the secretary), the second records."""
    meeting = services.meeting_save(
        meeting=Meeting(
            kind=kind,
            organization=org,
            held_on=day,
            starts_at=datetime.time(14, 30),
            place="党群服务中心会议室",
            topic=topic,
            host=attendees[0] if attendees else None,
            recorder=attendees[1] if len(attendees) > 1 else None,
            leadership_team=team,
            minutes=f"{topic}。与会党员围绕主题逐一发言，形成会议纪要。",
        ),
        attendance=_attendance(org, kind, day, attendees),
        appraisals=appraisals,
        by=by,
    )
    if status in (Status.SUBMITTED, Status.APPROVED, Status.RETURNED):
        services.meeting_submit(meeting=meeting, by=by)
    if status == Status.APPROVED:
        services.meeting_approve(meeting=meeting, by=reviewer)
    elif status == Status.RETURNED:
        services.meeting_return(meeting=meeting, by=reviewer, reason="请补充缺席人员的请假原因。")
    return meeting


def _leadership_team(org, name, people, started_on):
    """领导班子: the first person is 书记, the second 副书记, the others 委员."""
    posts = [LeadershipTeamMember.Post.SECRETARY, LeadershipTeamMember.Post.DEPUTY_SECRETARY]
    return services.leadership_team_save(
        team=LeadershipTeam(organization=org, name=name, started_on=started_on),
        posts=[
            services.TeamPost(member=m, post=posts[i] if i < len(posts) else "member")
            for i, m in enumerate(people)
        ],
        by=SYSTEM,
    )


def _appraisal(org, members):
    """民主评议党员 of the formal members: most 合格, about one in four 优秀, rarely 基本合格."""
    rng = random.Random(f"appraisal/{org.pk}")
    Rating = DemocraticAppraisal.Rating
    lines = []
    for m in members:
        if m.category != Member.Category.FORMAL:
            continue
        draw = rng.random()
        rating = (
            Rating.EXCELLENT
            if draw < 0.25
            else Rating.BASICALLY_QUALIFIED
            if draw > 0.96
            else Rating.QUALIFIED
        )
        lines.append(services.AppraisalLine(member=m, rating=rating))
    return lines


TOPICS = {
    MeetingKind.BRANCH_COMMITTEE: "研究支部%(m)d月份重点工作",
    MeetingKind.BRANCH_ASSEMBLY: "第%(q)d季度支部党员大会：通报党费收缴与发展党员工作",
    MeetingKind.PARTY_LECTURE: "第%(q)d季度党课：学习党的基层组织建设新要求",
    MeetingKind.THEME_DAY: "%(m)d月主题党日：学习乡村振兴政策",
    MeetingKind.GROUP_MEETING: "%(m)d月党小组会：学习党章、交流思想",
}


def _attendees(org, kind, day):
    """Who attends: who is expected that day (a 支委会: the committee), the 书记 (组长) first."""
    return _Expected(org).attendees(kind, day)


class _Expected:
    """``selectors.expected_attendees`` and ``services.has_committee`` for one organisation's
    many demo meetings, read once: the demo's members and posts are all in place before its
    meetings are written (tests/branches/test_committees.py checks the demo against them)."""

    def __init__(self, org):
        self.org = org
        self.members = list(
            Member.objects.of_organization(org).select_related("branch").order_by("name", "pk")
        )
        self.terms = list(SecretaryTerm.objects.filter(organization=org))

    def serving(self, day):
        return [t for t in self.terms if t.started_on <= day and (t.ended_on or day) >= day]

    def has_committee(self, day) -> bool:
        if self.org.kind != Kind.BRANCH:
            return self.org.kind != Kind.GROUP
        formal = [
            m
            for m in self.members
            if m.category == Member.Category.FORMAL
            and m.joined_on <= day
            and (m.confirmed_on is None or m.confirmed_on <= day)
        ]
        return len(formal) >= models.COMMITTEE_MIN_FORMAL_MEMBERS

    def attendees(self, kind, day) -> list:
        serving = self.serving(day)
        if kind == MeetingKind.BRANCH_COMMITTEE:
            holders = {t.member_id for t in serving}
            people = [m for m in self.members if m.pk in holders]
        else:
            people = [m for m in self.members if m.joined_on <= day]
        secretary = next((t.member_id for t in serving if t.post == Post.SECRETARY), None)
        people.sort(key=lambda m: m.pk != secretary)
        return people


def _three_meetings_one_lesson(org, year, last_month, rng, office, secretary):
    """A year of 三会一课 with a few deliberate gaps (seeded, so every load is the same).

    A 支委会 is held only by a 党支部 with a committee (7 or more full members)."""
    kinds_monthly = (
        [MeetingKind.GROUP_MEETING]
        if org.kind == Kind.GROUP
        else [MeetingKind.BRANCH_COMMITTEE, MeetingKind.THEME_DAY]
    )
    kinds_quarterly = (
        []
        if org.kind == Kind.GROUP
        else [
            MeetingKind.BRANCH_ASSEMBLY,
            MeetingKind.PARTY_LECTURE,
        ]
    )
    established = org.established_on or datetime.date(year, 1, 1)
    expected = _Expected(org)

    def hold(kind, day, month, quarter):
        if day < established:
            return
        if kind == MeetingKind.BRANCH_COMMITTEE and not expected.has_committee(day):
            return  # 无需召开: no committee, no 支委会
        _meeting(
            org,
            kind,
            day,
            TOPICS[kind] % {"m": month, "q": quarter},
            expected.attendees(kind, day),
            rng,
            by=secretary,
            reviewer=office,
        )

    for month in range(1, last_month + 1):
        for kind in kinds_monthly:
            if rng.random() < 0.06:  # a gap
                continue
            day = datetime.date(year, month, 10 + rng.randint(0, 15))
            hold(kind, day, month, (month - 1) // 3 + 1)
        if month % 3 == 0:
            for kind in kinds_quarterly:
                if rng.random() < 0.08:
                    continue
                day = datetime.date(year, month, 5 + rng.randint(0, 20))
                hold(kind, day, month, month // 3)


def _talks(org, members, year, person_times, rng, office):
    """Heart-to-heart talks adding up to exactly ``person_times`` person-times."""
    left = person_times
    month = 1
    while left > 0:
        n = min(left, rng.randint(1, 4))
        talker = members[0]
        people = [
            services.TalkPerson(member=m) for m in rng.sample(members[1:], min(n, len(members) - 1))
        ]
        if len(people) < n:
            people += [services.TalkPerson(name="群众代表") for _ in range(n - len(people))]
        talk = services.talk_save(
            talk=Talk(
                organization=org,
                held_on=datetime.date(year, month, rng.randint(1, 28)),
                talker=talker,
                topic="谈心谈话：思想动态与工作困难",
            ),
            participants=people,
            by=SYSTEM,
        )
        services.talk_submit(talk=talk, by=SYSTEM)
        services.talk_approve(talk=talk, by=office)
        left -= n
        month = month % 12 + 1


def _user(username, *, org, role, staff, password, first_name):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username)
    user.organization = org
    user.first_name = first_name
    user.is_staff = staff
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def load(ctx: dict) -> None:
    roles.sync_roles()
    existing = Organization.objects.filter(name=ROOT_NAME, parent=None).first()
    if existing is not None:
        _users(ctx, existing)
        return
    with disable_auditlog():
        _load_tree(ctx)


def _users(ctx, root):
    pw = ctx["password"]
    hy = Organization.objects.get(name="中共澄江街道花园村委员会")
    qq = Organization.objects.get(name="中共澄江街道青桥村总支部委员会")
    ctx["office"] = _user(
        "office", org=root, role=roles.OFFICE, staff=True, password=pw, first_name="街道党建办"
    )
    ctx["huayuan"] = _user(
        "huayuan", org=hy, role=roles.SECRETARY, staff=False, password=pw, first_name="花园村书记"
    )
    ctx["qingqiao"] = _user(
        "qingqiao", org=qq, role=roles.SECRETARY, staff=False, password=pw, first_name="青桥村书记"
    )
    ctx["leader"] = _user(
        "leader", org=root, role=roles.LEADERSHIP, staff=False, password=pw, first_name="街道领导"
    )
    ctx.setdefault("logins", []).extend(
        [
            ("office", "街道工作人员 (office staff: admin, import, export, review)"),
            ("huayuan", "花园村书记 (secretary of 花园村: portal)"),
            ("qingqiao", "青桥村书记 (secretary of 青桥村: portal)"),
            ("leader", "领导 (leadership: dashboards and reports, read-only)"),
        ]
    )


@dataclasses.dataclass
class _Demo:
    """What the loader has built so far, handed from one step to the next."""

    ctx: dict
    rng: random.Random
    root: Organization
    organs: Organization
    hy: Organization
    qq: Organization
    hy1: Organization
    hy2: Organization
    qq1: Organization
    qq2: Organization
    hy1_groups: list
    qq1_groups: list
    hy2_groups: list = dataclasses.field(default_factory=list)
    qq2_groups: list = dataclasses.field(default_factory=list)
    hy3: Organization | None = None
    qq3: Organization | None = None
    members: dict = dataclasses.field(default_factory=dict)
    used: set = dataclasses.field(default_factory=set)
    phones: list = dataclasses.field(default_factory=lambda: [0])

    @property
    def office(self):
        return self.ctx["office"]

    @property
    def branches(self) -> tuple:
        return (self.organs, self.hy1, self.hy2, self.hy3, self.qq1, self.qq2, self.qq3)

    @property
    def groups(self) -> list:
        return self.hy1_groups + self.qq1_groups + self.hy2_groups + self.qq2_groups

    def writer(self, org):
        """Who records an organisation's meetings: its village's secretary, else the office."""
        if org.path.startswith(self.hy.path):
            return self.ctx["huayuan"]
        if org.path.startswith(self.qq.path):
            return self.ctx["qingqiao"]
        return self.office

    def enrol(self, branch, groups, count):
        self.members[branch] = _members(branch, groups, count, self.rng, self.used, self.phones)
        return self.members[branch]


def _load_tree(ctx):
    """The demo in the order things happened; each step is one function below."""
    demo = _tree_of_2010(ctx)
    _users(ctx, demo.root)
    _enrol_members(demo)
    _terms_and_committees_of_2021(demo)
    _changes_of_2024(demo)
    _probationers(demo)
    _three_meetings_one_lesson_each_year(demo)
    _leadership_and_org_life_2024(demo)
    _village_leadership_team(demo)
    _talks_2024(demo)
    _reelection_of_2026(demo)
    _this_month(demo)


OLD = datetime.date(2010, 7, 1)


def _tree_of_2010(ctx) -> _Demo:
    """The villages and the tree as it stood before 2024 (groups under the first branches)."""
    huayuan = Village.objects.create(name="花园村", kind=Village.Kind.VILLAGE)
    qingqiao = Village.objects.create(name="青桥村", kind=Village.Kind.VILLAGE)
    est = functools.partial(services.organization_establish, by=SYSTEM)
    root = est(
        name=ROOT_NAME, kind=Kind.WORKING_COMMITTEE, parent=None, date=datetime.date(2005, 3, 1)
    )
    organs = est(name="澄江街道机关党支部", kind=Kind.BRANCH, parent=root, date=OLD)
    hy = est(
        name="中共澄江街道花园村委员会",
        kind=Kind.PARTY_COMMITTEE,
        parent=root,
        date=OLD,
        village=huayuan,
    )
    qq = est(
        name="中共澄江街道青桥村总支部委员会",
        kind=Kind.GENERAL_BRANCH,
        parent=root,
        date=OLD,
        village=qingqiao,
    )
    hy1 = est(name="花园村第一党支部", kind=Kind.BRANCH, parent=hy, date=OLD)
    hy2 = est(name="花园村第二党支部", kind=Kind.BRANCH, parent=hy, date=OLD)
    qq1 = est(name="青桥村第一党支部", kind=Kind.BRANCH, parent=qq, date=OLD)
    qq2 = est(name="青桥村第二党支部", kind=Kind.BRANCH, parent=qq, date=OLD)
    hy1_groups = services.party_groups_set_up(
        branch=hy1,
        names=["花园村第一党支部第一党小组", "花园村第一党支部第二党小组"],
        date=OLD,
        by=SYSTEM,
    )
    qq1_groups = services.party_groups_set_up(
        branch=qq1,
        names=["青桥村第一党支部第一党小组", "青桥村第一党支部第二党小组"],
        date=OLD,
        by=SYSTEM,
    )
    return _Demo(
        ctx=ctx,
        rng=random.Random(2024),
        root=root,
        organs=organs,
        hy=hy,
        qq=qq,
        hy1=hy1,
        hy2=hy2,
        qq1=qq1,
        qq2=qq2,
        hy1_groups=hy1_groups,
        qq1_groups=qq1_groups,
    )


def _enrol_members(demo: _Demo) -> None:
    demo.enrol(demo.organs, [], 7)
    demo.enrol(demo.hy1, demo.hy1_groups, 14)
    demo.enrol(demo.hy2, [], 12)
    demo.enrol(demo.qq1, demo.qq1_groups, 13)
    demo.enrol(demo.qq2, [], 10)


# Committees (positions in each branch's list of members). A 党支部 of 7 or more full members
# has a committee; the village 党委 and 党总支 are elected from their branches' members.
COMMITTEES = {
    "organs": [(0, Post.SECRETARY), (1, Post.ORGANISATION), (2, Post.DISCIPLINE)],
    "hy1": [
        (0, Post.SECRETARY),
        (4, Post.DEPUTY_SECRETARY),
        (5, Post.ORGANISATION),
        (6, Post.PROPAGANDA),
        (7, Post.DISCIPLINE),
    ],
    "hy2": [(0, Post.SECRETARY), (3, Post.ORGANISATION), (4, Post.PROPAGANDA)],
    "qq1": [
        (0, Post.SECRETARY),
        (1, Post.ORGANISATION),
        (2, Post.PROPAGANDA),
        (3, Post.DISCIPLINE),
    ],
    "qq2": [(0, Post.SECRETARY), (1, Post.ORGANISATION), (2, Post.PROPAGANDA)],
}
VILLAGE_ELECTION_2021 = datetime.date(2021, 10, 8)  # 村党组织换届, five-year terms
VILLAGE_ELECTION_2026 = datetime.date(2026, 10, 20)


def _terms_and_committees_of_2021(demo: _Demo) -> None:
    """届期 for every organisation: the 2021 village 换届 elected each village committee and
    branch committee; the 机关党支部 (three-year terms) was elected in January 2021; the
    党工委's term is recorded from 2022. The 党小组 got their 组长."""
    m = demo.members
    reelect = functools.partial(services.organization_reelect, by=SYSTEM)
    reelect(
        organization=demo.organs,
        date=datetime.date(2021, 1, 10),
        committee=[(m[demo.organs][i], post) for i, post in COMMITTEES["organs"]],
    )
    reelect(
        organization=demo.hy,
        date=VILLAGE_ELECTION_2021,
        committee=[
            (m[demo.hy1][1], Post.SECRETARY),
            (m[demo.hy2][1], Post.DEPUTY_SECRETARY),
            (m[demo.hy1][2], Post.ORGANISATION),
            (m[demo.hy2][2], Post.PROPAGANDA),
            (m[demo.hy1][3], Post.DISCIPLINE),
        ],
    )
    reelect(
        organization=demo.qq,
        date=VILLAGE_ELECTION_2021,
        committee=[
            (m[demo.qq1][6], Post.SECRETARY),
            (m[demo.qq2][3], Post.ORGANISATION),
            (m[demo.qq1][7], Post.PROPAGANDA),
        ],
    )
    for name in ("hy1", "hy2", "qq1", "qq2"):
        branch = getattr(demo, name)
        reelect(
            organization=branch,
            date=VILLAGE_ELECTION_2021,
            committee=[(m[branch][i], post) for i, post in COMMITTEES[name]],
        )
    services.organization_term_set(
        organization=demo.root, started_on=datetime.date(2022, 9, 1), by=SYSTEM
    )
    services.secretary_appoint(
        organization=demo.root,
        member=m[demo.organs][4],
        date=datetime.date(2022, 9, 1),
        by=SYSTEM,
    )
    for group in demo.hy1_groups + demo.qq1_groups:
        first = Member.objects.filter(group=group).order_by("pk").first()
        services.secretary_appoint(
            organization=group, member=first, date=VILLAGE_ELECTION_2021, by=SYSTEM
        )


def _changes_of_2024(demo: _Demo) -> None:
    """The report's organisation changes of 2024."""
    office = demo.office
    m = demo.members
    # The 机关党支部's three-year term ended: 换届 in January, the same committee re-elected.
    services.organization_reelect(
        organization=demo.organs,
        date=datetime.date(2024, 1, 9),
        committee=[(m[demo.organs][i], post) for i, post in COMMITTEES["organs"]],
        by=office,
    )
    # 分设党小组 4 个: two groups under each village's second branch, members assigned to them.
    demo.hy2_groups = services.party_groups_set_up(
        branch=demo.hy2,
        names=["花园村第二党支部第一党小组", "花园村第二党支部第二党小组"],
        date=datetime.date(2024, 3, 15),
        by=office,
    )
    demo.qq2_groups = services.party_groups_set_up(
        branch=demo.qq2,
        names=["青桥村第二党支部第一党小组", "青桥村第二党支部第二党小组"],
        date=datetime.date(2024, 4, 12),
        by=office,
    )
    for branch, groups in ((demo.hy2, demo.hy2_groups), (demo.qq2, demo.qq2_groups)):
        for i, member in enumerate(m[branch]):
            member.group = groups[i % 2]
            services.member_save(member=member, by=SYSTEM)
        for group in groups:
            first = Member.objects.filter(group=group).order_by("pk").first()
            services.secretary_appoint(
                organization=group, member=first, date=group.established_on, by=office
            )
    # 新成立基层党支部 2 个: small branches (under 7 full members): a 书记, no committee.
    est = functools.partial(services.organization_establish, kind=Kind.BRANCH, by=office)
    demo.hy3 = est(
        name="花园村新兴产业党支部",
        parent=demo.hy,
        date=datetime.date(2024, 5, 20),
        note="依托村集体企业新成立",
    )
    demo.qq3 = est(
        name="青桥村流动党员党支部",
        parent=demo.qq,
        date=datetime.date(2024, 7, 1),
        note="外出务工流动党员集中管理",
    )
    demo.enrol(demo.hy3, [], 5)
    demo.enrol(demo.qq3, [], 6)
    for branch in (demo.hy3, demo.qq3):
        services.organization_term_set(
            organization=branch, started_on=branch.established_on, by=SYSTEM
        )
        services.secretary_appoint(
            organization=branch, member=m[branch][0], date=branch.established_on, by=SYSTEM
        )
    # 1 个党支部调整书记 1 人: 青桥村第一党支部's 纪检委员 becomes its 书记; another member
    # takes the 纪检委员 post the same day.
    changed = datetime.date(2024, 9, 10)
    services.secretary_appoint(
        organization=demo.qq1, member=m[demo.qq1][3], date=changed, by=office
    )
    services.post_appoint(
        organization=demo.qq1,
        member=m[demo.qq1][4],
        post=Post.DISCIPLINE,
        date=changed,
        by=office,
    )
    # A 党小组's 组长 replaced too: a 组长 is not a 书记, so the figure stays 1.
    group = demo.hy1_groups[0]
    services.secretary_appoint(
        organization=group,
        member=Member.objects.filter(group=group).order_by("pk")[1],
        date=datetime.date(2024, 4, 8),
        by=office,
    )


def _probationers(demo: _Demo) -> None:
    """预备党员 of today: two within their year, one past it (the office's home lists him),
    and one confirmed on time. Their own generator, so the rest of the demo is unchanged."""
    rng = random.Random(2025)
    today = timezone.localdate()
    joined = {
        (demo.hy1, demo.hy1_groups[1]): today - datetime.timedelta(days=220),
        (demo.qq2, demo.qq2_groups[1]): today - datetime.timedelta(days=150),
        (demo.hy2, demo.hy2_groups[0]): models.one_year_before(today) - datetime.timedelta(days=40),
        (demo.organs, None): datetime.date(2024, 6, 28),
    }
    for (branch, group), day in joined.items():
        name, female, _birth, _id = _person(rng, demo.used)
        birth = datetime.date(day.year - 24 - rng.randint(0, 10), rng.randint(1, 12), 15)
        id_number = fake_id(rng, birth, female)
        while id_number in demo.used:
            id_number = fake_id(rng, birth, female)
        demo.used.add(id_number)
        demo.phones[0] += 1
        member = services.member_save(
            member=Member(
                name=name,
                gender="F" if female else "M",
                birth_date=birth,
                id_number=id_number,
                phone=f"1990000{demo.phones[0]:04d}",
                education=Member.Education.BACHELOR,
                category=Member.Category.PROBATIONARY,
                joined_on=day,
                branch=branch,
                group=group,
            ),
            by=SYSTEM,
        )
        if day.year == 2024:
            services.member_confirm_full(
                member=member, date=datetime.date(2025, 7, 1), by=demo.office
            )


def _three_meetings_one_lesson_each_year(demo: _Demo) -> None:
    """三会一课 in 2024 and this year up to last month, for every branch and group."""
    today = timezone.localdate()
    for year, last_month in ((2024, 12), (today.year, today.month - 1)):
        for org in (*demo.branches, *demo.groups):
            _three_meetings_one_lesson(
                org, year, last_month, demo.rng, demo.office, demo.writer(org)
            )


def _leadership_and_org_life_2024(demo: _Demo) -> None:
    """民主生活会 2 次 (the working committee's leadership team) and 组织生活会 1 次."""
    leadership = demo.members[demo.organs][:5]
    team = _leadership_team(
        demo.root, "中共澄江街道工作委员会领导班子", leadership, datetime.date(2021, 10, 8)
    )
    for day, topic in (
        (datetime.date(2024, 1, 26), "2023年度民主生活会：对照检查、开展批评与自我批评"),
        (datetime.date(2024, 7, 18), "党纪学习教育专题民主生活会"),
    ):
        _meeting(
            demo.root,
            MeetingKind.DEMOCRATIC_LIFE,
            day,
            topic,
            leadership,
            demo.rng,
            reviewer=demo.office,
            team=team,
        )
    # 组织生活会: one round organised by the 党工委 in December, every 党支部 meeting (the two
    # established in 2024 too), each with 民主评议党员 — one round, seven meetings.
    for i, branch in enumerate(demo.branches):
        day = datetime.date(2024, 12, 16 + i)
        _meeting(
            branch,
            MeetingKind.ORG_LIFE,
            day,
            "2024年度组织生活会暨民主评议党员",
            _attendees(branch, MeetingKind.ORG_LIFE, day),
            demo.rng,
            by=demo.writer(branch),
            reviewer=demo.office,
            appraisals=_appraisal(branch, demo.members[branch]),
        )


def _village_leadership_team(demo: _Demo) -> None:
    """花园村党委's 领导班子 (village committees were elected in 2021): its 民主生活会 for the
    previous year is held this January, so the 2024 figure stays the 党工委's two."""
    m = demo.members
    village_team = [m[demo.hy1][0], m[demo.hy2][0], m[demo.hy1][1], m[demo.hy2][1]]
    hy_team = _leadership_team(
        demo.hy, "中共澄江街道花园村委员会领导班子", village_team, datetime.date(2021, 10, 8)
    )
    january = datetime.date(timezone.localdate().year, 1, 20)
    if january.year > 2024 and january < timezone.localdate():
        _meeting(
            demo.hy,
            MeetingKind.DEMOCRATIC_LIFE,
            january,
            "%d年度村党委领导班子民主生活会" % (january.year - 1),
            village_team,
            demo.rng,
            by=demo.ctx["huayuan"],
            reviewer=demo.office,
            team=hy_team,
        )


def _talks_2024(demo: _Demo) -> None:
    """谈心谈话 130 余人次: 136 person-times across the two villages and the office."""
    m = demo.members
    _talks(demo.hy1, m[demo.hy1], 2024, 48, demo.rng, demo.office)
    _talks(demo.qq1, m[demo.qq1], 2024, 44, demo.rng, demo.office)
    _talks(demo.organs, m[demo.organs], 2024, 44, demo.rng, demo.office)


def _reelection_of_2026(demo: _Demo) -> None:
    """The villages' five-year terms of 2021 ended in October 2026: 换届, every committee
    re-elected as it served (连选连任). Before that date the terms show as due."""
    if timezone.localdate() < VILLAGE_ELECTION_2026:
        return
    for org in (demo.hy, demo.qq, demo.hy1, demo.hy2, demo.qq1, demo.qq2):
        serving = selectors.committee_on(org, VILLAGE_ELECTION_2026)
        services.organization_reelect(
            organization=org,
            date=VILLAGE_ELECTION_2026,
            committee=[(t.member, t.post) for t in serving],
            by=demo.office,
        )


def _this_month(demo: _Demo) -> None:
    """This month in 花园村: one draft, one submitted, one returned — the secretary's to-do."""
    first = timezone.localdate().replace(day=1)
    huayuan_sec, rng = demo.ctx["huayuan"], demo.rng
    group = demo.hy1_groups[0]
    for org, kind, topic, status, reviewer in (
        (group, MeetingKind.GROUP_MEETING, "%d月党小组会（草稿）", Status.DRAFT, None),
        (demo.hy1, MeetingKind.BRANCH_COMMITTEE, "研究%d月份重点工作", Status.SUBMITTED, None),
        (demo.hy2, MeetingKind.THEME_DAY, "%d月主题党日（需补充）", Status.RETURNED, demo.office),
    ):
        _meeting(
            org,
            kind,
            first,
            topic % first.month,
            _attendees(org, kind, first),
            rng,
            status=status,
            by=huayuan_sec,
            reviewer=reviewer,
        )
