"""The year-end summary's .docx follows 《党政机关公文格式》 (GB/T 9704-2012), issue 11 §5: A4, the
版心's margins, 2号小标宋 title, 3号仿宋 body on a 22 × 28 grid, "— 1 —" page numbers, the 落款
and the date; its properties name the office and the day it was made."""

import datetime
import io

import pytest
from django.test import override_settings
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from chengjiang.worktasks.exports import chinese_date, report_docx
from chengjiang.worktasks.report import RenderedReport

OFFICE = "中共测试街道工作委员会"
ON = datetime.date(2024, 12, 31)
TITLE = "测试街道2024年度乡村组织振兴工作总结"


def _report():
    return RenderedReport(
        year=2024,
        title=[TITLE],
        sections=[
            ("opening", "开头", ["今年来，街道围绕重点工作任务清单开展工作。"]),
            ("organization", "组织建设", ["一、坚持抓组织建设。全年召开民主生活会2次。"]),
        ],
        draft=None,
        checklist=None,
    )


@pytest.fixture
def doc():
    return Document(io.BytesIO(report_docx(_report(), office=OFFICE, on=ON)))


def _mm(length):
    return round(length / 36000, 1)


def test_a4_with_the_margins_of_the_standard(doc):
    s = doc.sections[0]
    assert (_mm(s.page_width), _mm(s.page_height)) == (210, 297)
    assert (_mm(s.top_margin), _mm(s.bottom_margin)) == (37, 35)
    assert (_mm(s.left_margin), _mm(s.right_margin)) == (28, 26)


def test_a_grid_of_22_lines_of_28_characters(doc):
    s = doc.sections[0]
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    line_pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    text_height_pt = (s.page_height - s.top_margin - s.bottom_margin) / 12700
    assert int(text_height_pt // line_pitch_pt) == 22
    char_pitch_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    text_width_pt = (s.page_width - s.left_margin - s.right_margin) / 12700
    assert int(text_width_pt / char_pitch_pt + 0.01) == 28
    normal = doc.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95)


def _east_asia(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_title_is_2hao_xiaobiaosong_and_body_3hao_fangsong(doc):
    title = doc.paragraphs[0]
    assert title.text == TITLE and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22) and "小标宋" in _east_asia(title.runs[0])
    body = [p for p in doc.paragraphs if p.text.startswith(("今年来", "一、"))]
    assert len(body) == 2
    for p in body:
        assert p.paragraph_format.first_line_indent == Pt(32)  # 首行缩进二字
        for run in p.runs:
            assert run.font.size == Pt(16) and "仿宋" in _east_asia(run)


def test_signature_and_date_right_aligned_at_the_end(doc):
    texts = [p for p in doc.paragraphs if p.text]
    office, date = texts[-2], texts[-1]
    assert office.text == OFFICE and date.text == "2024年12月31日"
    assert office.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.runs[0].font.size == Pt(16)


def test_chinese_date_has_no_leading_zeros():
    assert chinese_date(datetime.date(2025, 1, 5)) == "2025年1月5日"


def test_page_numbers_are_4hao_dashes_odd_right_even_left(doc):
    s = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in xml and p.alignment == align
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert all(r.font.size == Pt(14) for r in p.runs)


def test_properties_name_the_office_and_the_day_made(doc):
    core = doc.core_properties
    assert core.author == core.last_modified_by == OFFICE
    assert core.created.date() == core.modified.date() == ON
    assert core.title == TITLE
    assert "python-docx" not in (core.author, core.last_modified_by, core.comments)


@override_settings(OFFICE_NAME="中共另一街道工作委员会")
def test_the_office_comes_from_the_settings_and_the_date_is_today():
    from django.utils import timezone

    doc = Document(io.BytesIO(report_docx(_report())))
    assert doc.core_properties.author == "中共另一街道工作委员会"
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[-2:] == ["中共另一街道工作委员会", chinese_date(timezone.localdate())]
    assert doc.core_properties.created.date() == timezone.localdate()
    assert _mm(doc.sections[0].top_margin) == _mm(Mm(37))


def test_a_scopes_own_wording_is_signed_by_that_organisation():
    from branches.models import Organization
    from chengjiang.worktasks.models import ReportDraft

    report = _report()
    report.draft = ReportDraft(year=2024, scope=Organization(name="中共测试村委员会"))
    doc = Document(io.BytesIO(report_docx(report, on=ON)))
    assert [p.text for p in doc.paragraphs if p.text][-2] == "中共测试村委员会"
    assert doc.core_properties.author == "中共测试村委员会"
