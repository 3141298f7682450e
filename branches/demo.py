"""Demo data for 组织建设 (run by ``manage.py load_demo``).

澄江街道's tree with 花园村 and the invented 青桥村, fictional members with valid-checksum ID
numbers, and 2024 records that reproduce the year-end report: 民主生活会 2 次,
组织生活会 1 次 (one round in December in which all seven 党支部 met), 谈心谈话 130 余人次 (136),
新成立党支部 2 个, 分设党小组 4 个, 调整书记 1 人 (a 党小组's 组长 replaced as well, not counted) —
plus a year of 三会一课 with a few gaps, and this year's records up to last month for the
secretaries' portal.
"""

from __future__ import annotations

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

from . import services
from .models import (
    Meeting,
    MeetingKind,
    Member,
    Organization,
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
            category=Member.Category.PROBATIONARY if i == count - 1 else Member.Category.FORMAL,
            joined_on=datetime.date(max(birth.year + 20, 1980), rng.randint(1, 12), 1),
            branch=org,
            group=group_orgs[i % len(group_orgs)] if group_orgs else None,
        )
        services.member_save(member=member, by=SYSTEM)
        created.append(member)
    return created


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
    absent_every=9,
):
    lines = []
    for i, m in enumerate(attendees):
        absent = absent_every and i % absent_every == absent_every - 1
        lines.append(
            services.AttendanceLine(
                member=m, present=not absent, absence_reason="外出务工请假" if absent else ""
            )
        )
    meeting = services.meeting_save(
        meeting=Meeting(
            kind=kind,
            organization=org,
            held_on=day,
            starts_at=datetime.time(14, 30),
            place="党群服务中心会议室",
            topic=topic,
            host=attendees[0] if attendees else None,
            minutes=f"{topic}。与会党员围绕主题逐一发言，形成会议纪要。",
        ),
        attendance=lines,
        by=by,
    )
    if status in (Status.SUBMITTED, Status.APPROVED, Status.RETURNED):
        services.meeting_submit(meeting=meeting, by=by)
    if status == Status.APPROVED:
        services.meeting_approve(meeting=meeting, by=reviewer)
    elif status == Status.RETURNED:
        services.meeting_return(meeting=meeting, by=reviewer, reason="请补充缺席人员的请假原因。")
    return meeting


TOPICS = {
    MeetingKind.BRANCH_COMMITTEE: "研究支部%(m)d月份重点工作",
    MeetingKind.BRANCH_ASSEMBLY: "第%(q)d季度支部党员大会：通报党费收缴与发展党员工作",
    MeetingKind.PARTY_LECTURE: "第%(q)d季度党课：学习党的基层组织建设新要求",
    MeetingKind.THEME_DAY: "%(m)d月主题党日：学习乡村振兴政策",
    MeetingKind.GROUP_MEETING: "%(m)d月党小组会：学习党章、交流思想",
}


def _three_meetings_one_lesson(org, members, year, last_month, rng, office, secretary):
    """A year of 三会一课 with a few deliberate gaps (seeded, so every load is the same)."""
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
    attendees = members if org.kind != Kind.GROUP else [m for m in members if m.group_id == org.pk]
    established = org.established_on or datetime.date(year, 1, 1)
    for month in range(1, last_month + 1):
        for kind in kinds_monthly:
            if rng.random() < 0.06:  # a gap
                continue
            day = datetime.date(year, month, 10 + rng.randint(0, 15))
            if day < established:
                continue
            _meeting(
                org,
                kind,
                day,
                TOPICS[kind] % {"m": month, "q": (month - 1) // 3 + 1},
                attendees,
                rng,
                by=secretary,
                reviewer=office,
            )
        if month % 3 == 0:
            for kind in kinds_quarterly:
                if rng.random() < 0.08:
                    continue
                day = datetime.date(year, month, 5 + rng.randint(0, 20))
                if day < established:
                    continue
                _meeting(
                    org,
                    kind,
                    day,
                    TOPICS[kind] % {"m": month, "q": month // 3},
                    attendees,
                    rng,
                    by=secretary,
                    reviewer=office,
                )


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


def _load_tree(ctx):
    rng = random.Random(2024)
    used: set[str] = set()
    phones = [0]
    old = datetime.date(2010, 7, 1)
    huayuan = Village.objects.create(name="花园村", kind=Village.Kind.VILLAGE)
    qingqiao = Village.objects.create(name="青桥村", kind=Village.Kind.VILLAGE)
    est = functools.partial(services.organization_establish, by=SYSTEM)
    root = est(
        name=ROOT_NAME, kind=Kind.WORKING_COMMITTEE, parent=None, date=datetime.date(2005, 3, 1)
    )
    organs = est(name="澄江街道机关党支部", kind=Kind.BRANCH, parent=root, date=old)
    hy = est(
        name="中共澄江街道花园村委员会",
        kind=Kind.PARTY_COMMITTEE,
        parent=root,
        date=old,
        village=huayuan,
    )
    qq = est(
        name="中共澄江街道青桥村总支部委员会",
        kind=Kind.GENERAL_BRANCH,
        parent=root,
        date=old,
        village=qingqiao,
    )
    hy1 = est(name="花园村第一党支部", kind=Kind.BRANCH, parent=hy, date=old)
    hy2 = est(name="花园村第二党支部", kind=Kind.BRANCH, parent=hy, date=old)
    qq1 = est(name="青桥村第一党支部", kind=Kind.BRANCH, parent=qq, date=old)
    qq2 = est(name="青桥村第二党支部", kind=Kind.BRANCH, parent=qq, date=old)
    hy1_groups = services.party_groups_set_up(
        branch=hy1,
        names=["花园村第一党支部第一党小组", "花园村第一党支部第二党小组"],
        date=old,
        by=SYSTEM,
    )
    qq1_groups = services.party_groups_set_up(
        branch=qq1,
        names=["青桥村第一党支部第一党小组", "青桥村第一党支部第二党小组"],
        date=old,
        by=SYSTEM,
    )
    _users(ctx, root)
    office, huayuan_sec = ctx["office"], ctx["huayuan"]

    def writer(org):
        """Who records an organisation's meetings: its village's secretary, else the office."""
        if org.path.startswith(hy.path):
            return huayuan_sec
        if org.path.startswith(qq.path):
            return ctx["qingqiao"]
        return office

    members = {
        organs: _members(organs, [], 7, rng, used, phones),
        hy1: _members(hy1, hy1_groups, 14, rng, used, phones),
        hy2: _members(hy2, [], 12, rng, used, phones),
        qq1: _members(qq1, qq1_groups, 13, rng, used, phones),
        qq2: _members(qq2, [], 10, rng, used, phones),
    }
    for branch, people in members.items():
        services.secretary_appoint(
            organization=branch, member=people[0], date=datetime.date(2021, 10, 8), by=SYSTEM
        )
    for group in hy1_groups + qq1_groups:
        first = Member.objects.filter(group=group).order_by("pk").first()
        services.secretary_appoint(
            organization=group, member=first, date=datetime.date(2021, 10, 8), by=SYSTEM
        )

    # 2024: the report's organisation changes.
    # 分设党小组 4 个: two groups under each village's second branch, members assigned to them.
    hy2_groups = services.party_groups_set_up(
        branch=hy2,
        names=["花园村第二党支部第一党小组", "花园村第二党支部第二党小组"],
        date=datetime.date(2024, 3, 15),
        by=office,
    )
    qq2_groups = services.party_groups_set_up(
        branch=qq2,
        names=["青桥村第二党支部第一党小组", "青桥村第二党支部第二党小组"],
        date=datetime.date(2024, 4, 12),
        by=office,
    )
    for branch, groups in ((hy2, hy2_groups), (qq2, qq2_groups)):
        for i, m in enumerate(members[branch]):
            m.group = groups[i % 2]
            services.member_save(member=m, by=SYSTEM)
    # 新成立基层党支部 2 个.
    hy3 = est(
        name="花园村新兴产业党支部",
        kind=Kind.BRANCH,
        parent=hy,
        date=datetime.date(2024, 5, 20),
        by=office,
        note="依托村集体企业新成立",
    )
    qq3 = est(
        name="青桥村流动党员党支部",
        kind=Kind.BRANCH,
        parent=qq,
        date=datetime.date(2024, 7, 1),
        by=office,
        note="外出务工流动党员集中管理",
    )
    members[hy3] = _members(hy3, [], 5, rng, used, phones)
    members[qq3] = _members(qq3, [], 6, rng, used, phones)
    for branch in (hy3, qq3):
        services.secretary_appoint(
            organization=branch, member=members[branch][0], date=branch.established_on, by=SYSTEM
        )
    # 1 个党支部调整书记 1 人.
    services.secretary_appoint(
        organization=qq1, member=members[qq1][3], date=datetime.date(2024, 9, 10), by=office
    )
    # A 党小组's 组长 replaced too: a 组长 is not a 书记, so the figure stays 1.
    group = hy1_groups[0]
    services.secretary_appoint(
        organization=group,
        member=Member.objects.filter(group=group).order_by("pk")[1],
        date=datetime.date(2024, 4, 8),
        by=office,
    )

    # Organisational life in 2024: 三会一课 for every branch and group, with a few gaps.
    for year, last_month in (
        (2024, 12),
        (timezone.localdate().year, timezone.localdate().month - 1),
    ):
        for branch in (organs, hy1, hy2, hy3, qq1, qq2, qq3):
            _three_meetings_one_lesson(
                branch, members[branch], year, last_month, rng, office, writer(branch)
            )
        for group in hy1_groups + qq1_groups + hy2_groups + qq2_groups:
            branch = Organization.objects.get(pk=group.parent_id)
            _three_meetings_one_lesson(
                group, members[branch], year, last_month, rng, office, writer(group)
            )
    # 民主生活会 2 次 (the working committee's leadership team) and 组织生活会 1 次.
    leadership = members[organs][:5]
    _meeting(
        root,
        MeetingKind.DEMOCRATIC_LIFE,
        datetime.date(2024, 1, 26),
        "2023年度民主生活会：对照检查、开展批评与自我批评",
        leadership,
        rng,
        reviewer=office,
    )
    _meeting(
        root,
        MeetingKind.DEMOCRATIC_LIFE,
        datetime.date(2024, 7, 18),
        "党纪学习教育专题民主生活会",
        leadership,
        rng,
        reviewer=office,
    )
    # 组织生活会: one round organised by the 党工委 in December, every 党支部 meeting (the two
    # established in 2024 too), each with 民主评议党员 — one round, seven meetings.
    for i, branch in enumerate((organs, hy1, hy2, hy3, qq1, qq2, qq3)):
        _meeting(
            branch,
            MeetingKind.ORG_LIFE,
            datetime.date(2024, 12, 16 + i),
            "2024年度组织生活会暨民主评议党员",
            members[branch],
            rng,
            by=writer(branch),
            reviewer=office,
        )
    # 谈心谈话 130 余人次: 136 person-times across the two villages and the office.
    _talks(hy1, members[hy1], 2024, 48, rng, office)
    _talks(qq1, members[qq1], 2024, 44, rng, office)
    _talks(organs, members[organs], 2024, 44, rng, office)

    # This month in 花园村: one draft, one submitted, one returned — the secretary's to-do list.
    today = timezone.localdate()
    first = today.replace(day=1)
    group = hy1_groups[0]
    group_members = [m for m in members[hy1] if m.group_id == group.pk]
    _meeting(
        group,
        MeetingKind.GROUP_MEETING,
        first,
        "%d月党小组会（草稿）" % today.month,
        group_members,
        rng,
        status=Status.DRAFT,
        by=huayuan_sec,
    )
    _meeting(
        hy1,
        MeetingKind.BRANCH_COMMITTEE,
        first,
        "研究%d月份重点工作" % today.month,
        members[hy1],
        rng,
        status=Status.SUBMITTED,
        by=huayuan_sec,
    )
    _meeting(
        hy2,
        MeetingKind.THEME_DAY,
        first,
        "%d月主题党日（需补充）" % today.month,
        members[hy2],
        rng,
        status=Status.RETURNED,
        by=huayuan_sec,
        reviewer=office,
    )
