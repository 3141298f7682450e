"""The summary in any year: a sentence whose figures have no records is dropped or rephrased,
never printed with a zero, an empty list or a placeholder note."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chengjiang.worktasks.models import Checklist
from chengjiang.worktasks.report import (
    DEFAULT_SECTIONS,
    Renderer,
    render_report,
    validate_wording,
)
from tests.factories import MeetingFactory

EMPTY_PHRASES = ["选举出0名", "公开招考后备干部0名", "接待等0个班次", "〔未建清单〕", "在选举出"]


def _text(year: int) -> str:
    report = render_report(year=year, scope="")
    return "\n".join(text for _key, text in report.plain_sections())


def test_a_year_without_records_prints_no_zero_sentence(db):
    text = _text(2031)
    for phrase in EMPTY_PHRASES:
        assert phrase not in text, phrase
    assert not re.search(r"〔[^〕]*〕", text)
    assert not re.search(r"(?<![0-9])0(次|个|名|人|对|门|人次)", text), text
    assert not re.search(r"[、，][，。、]", text), "punctuation left behind by a dropped clause"
    # the wording that carries no figure stays
    assert "坚持强化组织建设，筑牢党建基础。" in text
    assert "今年来，澄江街道立足于“三个坚持”" in text


def test_a_demo_year_before_the_records_drops_only_what_is_empty(demo_db):
    text = _text(2023)
    for phrase in EMPTY_PHRASES:
        assert phrase not in text, phrase
    assert not re.search(r"〔[^〕]*〕", text)
    assert not re.search(r"(?<![0-9])0(次|个|名|人|对|门|人次)", text), text
    assert not re.search(r"[、，][，。、]", text)


def test_the_2024_demo_keeps_every_sentence(demo_db):
    text = _text(2024)
    assert "区委组织部《2024年全区乡村组织振兴重点工作任务》清单" in text
    assert "共开展民主生活会2次、组织生活会1次，累计谈心谈话130余人次" in text
    assert "示例" not in text, "a demo placeholder reached the summary"


def test_one_empty_figure_drops_its_clause_not_its_neighbours(db):
    checklist = Checklist(year=2031, title="清单", issued_by="区委组织部")
    r = Renderer(year=2031, scope="", checklist=checklist)
    text = (
        "近一年来，[[共开展[民主生活会{branches.meetings:kind=democratic_life}次]，]"
        "[谈话{year}年]。]"
    )
    assert r.plain(text) == "近一年来，谈话2031年。"
    assert r.plain("甲[乙{branches.meetings}次，]丙。") == "甲丙。"


def test_default_wording_states_the_study_of_the_thinking_on_grassroots_organisations():
    text = DEFAULT_SECTIONS["organization"]
    assert (
        "带领全体党员干部深入学习贯彻习近平总书记关于加强党的基层组织建设的新思想、新论断、"
        "新要求，充分认识加强党的基层组织建设的重大意义。"
    ) in text


def test_an_unclosed_bracket_is_refused_in_chinese():
    for text in ("甲[乙{branches.meetings}次", "甲]乙[", "甲]"):
        with pytest.raises(ValidationError, match="方括号"):
            validate_wording(text)
    validate_wording("甲[[乙{branches.meetings}次]丙]")


def test_the_wording_page_explains_optional_parts(tree, users, login):
    page = login(users.office).get(
        reverse("worktasks:report_edit", args=[2024]) + f"?org={tree.root.pk}"
    )
    assert "方括号 [ ] 中" in page.content.decode()


def test_a_village_summary_in_a_year_without_records_prints_no_zero(tree):
    report = render_report(year=2031, scope=tree.a.path, scope_org=tree.a)
    text = "\n".join(t for _key, t in report.plain_sections())
    assert not re.search(r"(?<![0-9])0(次|个|名|人|对|门|人次)", text), text
    assert not re.search(r"〔[^〕]*〕", text)
    assert not re.search(r"[、，；][，。、；]", text)
    assert "花园村党委党组织围绕街道党工委的部署" in text or "围绕街道党工委的部署" in text


def test_a_village_summary_keeps_what_it_has(tree):
    MeetingFactory(
        organization=tree.a1,
        kind="org_life",
        held_on=datetime.date(2024, 12, 20),
        status="approved",
    )
    report = render_report(year=2024, scope=tree.a.path, scope_org=tree.a)
    text = dict(report.plain_sections())["organization"]
    assert "近一年来，开展组织生活会1次。" in text, text


def test_what_was_built_in_an_earlier_year_is_not_claimed_again(demo_db):
    """The base was rated and the courses opened in 2024: the 2025 summary does not say
    "成功打造…现场教学点1个" or "开设了4门" again, though both still stand."""
    text = _text(2025)
    assert "成功打造" not in text
    assert "开设了" not in text
    text = _text(2024)
    assert "在花园村，成功打造市级干部教育培训的现场教学点1个" in text
    assert "开设了4门紧密贴合实际的现场教学课程" in text
