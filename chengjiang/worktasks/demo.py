"""Demo data: the 2024 checklist 《2024年全区乡村组织振兴重点工作任务》 issued by 区委组织部.

Tasks under the three lines, each bound to a measure the year-end report's figures come from, with
realistic targets (some met, some not), one manual task with evidence, and one not applicable.
Only tasks whose measure is registered at load time are created; a second run changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.core.files.uploadedfile import SimpleUploadedFile

from chengjiang import measures as registry
from chengjiang import tree
from chengjiang.access import SYSTEM

from . import services
from .models import Checklist, Line, ManualStatus, Task

YEAR = 2024
TITLE = "2024年全区乡村组织振兴重点工作任务"
ROOT = "中共澄江街道工作委员会"
HUAYUAN = "中共澄江街道花园村委员会"
QINGQIAO = "中共澄江街道青桥村总支部委员会"

ORG, TEAM, POS = Line.ORGANIZATION, Line.TEAM, Line.POSITION


def d(month: int, day: int) -> datetime.date:
    return datetime.date(YEAR, month, day)


# (number, line, title, description, responsible, deadline, weight, measure, params, target)
# fmt: off
TASKS = [
    (1, ORG, "规范召开民主生活会", "街道党工委领导班子按要求召开年度及专题民主生活会。",
     ROOT, d(12, 31), 1, "branches.meetings", {"kind": "democratic_life"}, 2),
    (2, ORG, "各党支部召开年度组织生活会", "各党支部召开组织生活会，开展民主评议党员（覆盖率）。",
     ROOT, d(12, 31), 1, "branches.meeting_coverage", {"kind": "org_life"}, 100),
    (3, ORG, "落实谈心谈话制度", "党组织书记与党员、群众谈心谈话，全年不少于120人次。",
     ROOT, d(12, 31), 1, "branches.talk_person_times", {}, 120),
    (4, ORG, "按期召开支部委员会", "各党支部每月至少召开1次支部委员会（按支部×月份计覆盖率）。",
     ROOT, d(12, 31), 2, "branches.meeting_coverage", {"kind": "branch_committee"}, 100),
    (5, ORG, "按期开展主题党日", "各党支部每月开展1次主题党日活动（按支部×月份计覆盖率）。",
     ROOT, d(12, 31), 1, "branches.meeting_coverage", {"kind": "theme_day"}, 100),
    (6, ORG, "应建尽建新成立基层党支部", "依托村集体企业、流动党员集中地新成立党支部。",
     ROOT, d(9, 30), 1, "branches.org_changes", {"kind": "established", "org_kind": "branch"}, 2),
    (7, ORG, "分设党小组并理顺隶属关系", "党员人数较多的党支部分设党小组。",
     ROOT, d(6, 30), 1, "branches.org_changes", {"kind": "group_set_up"}, 4),
    (8, TEAM, "“两荐一考一选”选举村民组长", "两村完成村民组长选举。",
     ROOT, d(10, 31), 2, "cadres.group_leaders_elected", {}, 21),
    (9, TEAM, "公开招考村级后备干部", "面向宣州籍大学毕业生公开招考后备干部。",
     ROOT, d(11, 30), 1, "cadres.reserve_cadres_recruited", {}, 2),
    (10, TEAM, "建立村干部与后备干部结对帮带", "“一对一”或“多对一”结对帮带。",
     ROOT, d(12, 31), 1, "cadres.pairings", {}, 2),
    (12, POS, "打造市级干部教育现场教学点", "在花园村建成市级现场教学点并配齐设施。",
     HUAYUAN, d(9, 30), 2, "training.bases", {"level": "municipal"}, 1),
    (13, POS, "开发现场教学课程", "围绕村情开发现场教学课程不少于4门。",
     HUAYUAN, d(12, 31), 1, "training.courses_offered", {}, 4),
    (14, POS, "承接对外培训班次", "实训基地承接外来培训班次。",
     HUAYUAN, d(12, 31), 1, "training.classes_received", {}, 3),
]
MANUAL_TASK = (
    11, TEAM, "出台村民组长队伍建设实施方案",
    "出台《澄江街道关于加强村民小组组长队伍建设实施方案》，明确任职资格、职责任务和五档递增薪酬。",
    ROOT, d(6, 30), 1,
)
NOT_APPLICABLE_TASK = (
    15, POS, "创建省级党员教育实训基地", "具备条件的街道创建省级党员教育实训基地。",
    ROOT, d(12, 31), 1, "training.bases", {"level": "provincial"}, 1,
    "本年度区委未向澄江街道下达省级基地创建任务。",
)
# fmt: on

# A one-page PDF: the evidence of the manual task (the 实施方案's cover, in the demo).
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load(ctx: dict) -> None:
    orgs = {
        o.name: o
        for o in tree.organization_model().objects.filter(name__in=[ROOT, HUAYUAN, QINGQIAO])
    }
    if ROOT not in orgs:
        return  # branches' demo did not run
    office = ctx.get("office")
    with disable_auditlog():
        checklist = Checklist.objects.filter(year=YEAR).first()
        if checklist is None:
            checklist = services.checklist_save(
                checklist=Checklist(
                    year=YEAR,
                    title=TITLE,
                    issued_by="区委组织部",
                    issued_on=datetime.date(YEAR, 2, 20),
                ),
                by=SYSTEM,
            )
        existing = set(checklist.tasks.values_list("number", flat=True))
        for number, line, title, desc, resp, deadline, weight, key, params, target in TASKS:
            if number in existing or key not in registry.REGISTRY:
                continue
            services.task_save(
                task=Task(
                    checklist=checklist,
                    number=number,
                    line=line,
                    title=title,
                    description=desc,
                    responsible=orgs[resp],
                    deadline=deadline,
                    weight=Decimal(weight),
                    measure_key=key,
                    measure_params=params,
                    target=Decimal(target),
                ),
                by=SYSTEM,
            )
        number, line, title, desc, resp, deadline, weight = MANUAL_TASK
        if number not in existing:
            task = services.task_save(
                task=Task(
                    checklist=checklist,
                    number=number,
                    line=line,
                    title=title,
                    description=desc,
                    responsible=orgs[resp],
                    deadline=deadline,
                    weight=Decimal(weight),
                    manual_status=ManualStatus.DONE,
                    manual_note="方案已于2024年6月印发。",
                ),
                by=SYSTEM,
            )
            services.evidence_add(
                task=task,
                upload=SimpleUploadedFile(
                    "村民组长队伍建设实施方案.pdf", EVIDENCE_PDF, content_type="application/pdf"
                ),
                description="《澄江街道关于加强村民小组组长队伍建设实施方案》印发件",
                by=office,
            )
        number, line, title, desc, resp, deadline, weight, key, params, target, reason = (
            NOT_APPLICABLE_TASK
        )
        if number not in existing and key in registry.REGISTRY:
            services.task_save(
                task=Task(
                    checklist=checklist,
                    number=number,
                    line=line,
                    title=title,
                    description=desc,
                    responsible=orgs[resp],
                    deadline=deadline,
                    weight=Decimal(weight),
                    measure_key=key,
                    measure_params=params,
                    target=Decimal(target),
                    not_applicable=True,
                    not_applicable_reason=reason,
                ),
                by=SYSTEM,
            )
    ctx.setdefault("logins", [])
