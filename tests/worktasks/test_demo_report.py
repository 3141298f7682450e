"""The demo's 2024 year-end summary states every figure of DOMAIN.md's table, and each figure
moves when a record behind it changes.

The 组织建设 figures come from branches; the 队伍建设 and 阵地建设 figures need the cadres and
training measures: those checks are skipped, with the reason, while an app's measures are not
registered.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from chengjiang import measures
from chengjiang.measures import Period
from chengjiang.worktasks.models import Checklist, Task
from chengjiang.worktasks.report import DEFAULT_SECTIONS, TOKEN, Renderer, parse_token

CADRES = ("cadres.group_leaders_elected", "cadres.reserve_cadres_recruited")
TRAINING = ("training.bases", "training.courses_offered", "training.classes_received")

BRANCHES_FIGURES = [
    "共开展民主生活会2次、组织生活会1次，累计谈心谈话130余人次",
    "新成立基层党支部2个、分设党小组4个并理顺隶属关系、1个党支部调整书记1人",
]
CADRES_FIGURES = [
    "成功在花园村、青桥村选举出21名",
    "今年10月，街道面向社会为花园村公开招考后备干部1名",
]
TRAINING_FIGURES = [
    "在花园村，成功打造市级干部教育培训的现场教学点1个",
    "开设了4门紧密贴合实际的现场教学课程",
    "《集体企业管理与发展》",
    "《党建引领红色物业》",
    "《蝶变花园之花园党建成就展》",
    "《村规民约推动移风易俗》",
    "扬州大学高素质农民培训班",
    "“青雁计划”培训班",
]


def _registered(keys) -> bool:
    measures.autodiscover()
    return all(k in measures.REGISTRY for k in keys)


@pytest.fixture
def demo(demo_db):
    return None


def _report() -> str:
    out = io.StringIO()
    call_command("annual_report", "--year", "2024", stdout=out)
    return out.getvalue()


def _tokens(prefix: str):
    seen = {}
    for text in DEFAULT_SECTIONS.values():
        for match in TOKEN.finditer(text):
            token = parse_token(match.group(1))
            if token.key.startswith(prefix):
                seen[token.raw] = token
    return list(seen.values())


def _figure(token) -> str:
    return Renderer(year=2024, scope="", checklist=None).figure(token).text


def _change_a_record(token) -> None:
    """Delete one record behind the figure (or, where it is protected, move it out of 2024)."""
    m = measures.REGISTRY[token.key]
    records = m.records(period=Period.year(2024), scope="", **token.params)
    obj = records.order_by("-pk").first()
    assert obj is not None, f"no records behind {token.raw}"
    try:
        with transaction.atomic():
            type(obj).objects.filter(pk=obj.pk).delete()
        return
    except (ProtectedError, IntegrityError):
        pass
    assert m.date_field and "__" not in m.date_field, f"cannot change a record of {token.raw}"
    type(obj).objects.filter(pk=obj.pk).update(**{m.date_field: "2099-06-01"})


def _assert_each_figure_moves(prefix: str):
    tokens = _tokens(prefix)
    assert tokens
    for token in tokens:
        before = _figure(token)
        sid = transaction.savepoint()
        # a rounded figure (130余) moves once enough records change: up to ten, one at a time
        for _ in range(10):
            _change_a_record(token)
            after = _figure(token)
            if after != before:
                break
        transaction.savepoint_rollback(sid)
        assert after != before, f"{token.raw} stayed {before!r}"


def test_demo_report_states_the_organisation_figures(demo):
    report = _report()
    for figure in BRANCHES_FIGURES:
        assert figure in report, figure
    assert "区委组织部《2024年全区乡村组织振兴重点工作任务》清单" in report
    assert not re.search(r"〔[^〕]*〕", report), "a placeholder did not resolve"
    _assert_each_figure_moves("branches.")


def test_demo_report_states_the_team_figures(demo):
    assert _registered(CADRES), "the cadres app's measures are not registered"
    report = _report()
    for figure in CADRES_FIGURES:
        assert figure in report, figure
    _assert_each_figure_moves("cadres.")


def test_demo_report_states_the_position_figures(demo):
    assert _registered(TRAINING), "the training app's measures are not registered"
    report = _report()
    for figure in TRAINING_FIGURES:
        assert figure in report, figure
    _assert_each_figure_moves("training.")


def test_demo_checklist_is_idempotent_and_ties_tasks_to_registered_measures(demo):
    checklist = Checklist.objects.get(year=2024)
    assert checklist.title == "2024年全区乡村组织振兴重点工作任务"
    assert checklist.issued_by == "区委组织部"
    before = list(Task.objects.order_by("pk").values())
    call_command("load_demo", stdout=io.StringIO())
    assert list(Task.objects.order_by("pk").values()) == before
    tasks = list(checklist.tasks.all())
    assert {t.line for t in tasks} == {"organization", "team", "position"}
    manual = [t for t in tasks if t.is_manual]
    assert len(manual) == 1 and manual[0].evidence.count() == 1
    assert all(t.measure_key in measures.REGISTRY for t in tasks if not t.is_manual)
