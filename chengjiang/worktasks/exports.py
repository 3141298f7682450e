"""Downloads: the year-end summary as .docx (python-docx) and the checklist's progress as .xlsx
(openpyxl). The xlsx's first columns are the import sheet's, so an export can be re-imported; the
measure and its parameters are written in Chinese (see ``measure_text``)."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _g
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from chengjiang.text import xml_safe

from .measure_text import measure_text, params_text
from .models import Line, Section
from .report import RenderedReport
from .selectors import ChecklistProgress, number, pct

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Text a spreadsheet would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# 《党政机关公文格式》(GB/T 9704-2012): A4; 版心 156 mm × 225 mm (top 37 mm, bottom 35 mm, left
# 28 mm, right 26 mm); title 2号小标宋 (22 pt); body 3号仿宋 (16 pt), 22 lines of 28 characters
# a page (line pitch 225 mm ÷ 22 = 28.95 pt); page numbers 4号 (14 pt) 半角宋体 as "— 1 —" in the
# footer, odd pages to the right and even pages to the left, one character in; the 落款 (office)
# and the date it was made, right-aligned at the end.
BODY_FONT = "仿宋_GB2312"
BODY_FONT_FALLBACK = "仿宋"
TITLE_FONT = "方正小标宋简体"
PAGE_NUMBER_FONT = "宋体"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE = 22, 16, 14
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
LINE_PITCH = Pt(28.95)  # (297 − 37 − 35) mm ÷ 22 lines
DEFAULT_OFFICE = "中共澄江街道工作委员会"


def office_name() -> str:
    """Who signs the summary (落款) and is named as its author: ``settings.OFFICE_NAME``."""
    from django.conf import settings

    return getattr(settings, "OFFICE_NAME", "") or DEFAULT_OFFICE


def chinese_date(day: datetime.date) -> str:
    """成文日期 as GB/T 9704 writes it: 2024年12月31日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.footer_distance = BOTTOM - Mm(7) - Pt(PAGE_NUMBER_SIZE)  # 一字线 7 mm below 版心
    # the document grid: 22 lines × 28 characters on the 版心
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    width_pt = (PAGE_WIDTH - LEFT - RIGHT) / 12700
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.twips)))
    grid.set(qn("w:charSpace"), str(round((width_pt / CHARS_PER_LINE - BODY_SIZE) * 4096)))
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)


def _page_number(paragraph) -> None:
    """ "— N —" with N the PAGE field, 4号半角宋体."""
    _font(paragraph.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    run = paragraph.add_run()
    _font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    _font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _footers(doc) -> None:
    """Odd pages: the number on the right, one character in; even pages: on the left."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        indent = Pt(PAGE_NUMBER_SIZE)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = indent
        else:
            p.paragraph_format.left_indent = indent
        _page_number(p)


def _properties(doc, *, title: str, office: str, made: datetime.datetime) -> None:
    """Document properties name the office and the day the file was made (not the library's
    template: "python-docx", 2013)."""
    core = doc.core_properties
    core.title = title
    core.author = office
    core.last_modified_by = office
    core.created = made
    core.modified = made
    core.last_printed = made
    core.revision = 1
    core.subject = ""
    core.keywords = ""
    core.comments = ""
    core.category = ""


def report_docx(
    report: RenderedReport, *, office: str | None = None, on: datetime.date | None = None
) -> bytes:
    """The year-end summary as a .docx laid out per GB/T 9704, signed by ``office`` (default:
    the organisation whose saved wording this is, else ``office_name()``) and dated ``on``
    (default today)."""
    draft = report.draft
    office = office or (draft.scope.name if draft is not None else office_name())
    on = on or timezone.localdate()
    made = datetime.datetime.combine(on, datetime.time(0, 0))
    doc = Document()
    _page_setup(doc)
    _footers(doc)
    title_text = xml_safe(report.plain_title())
    title = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(title_text), TITLE_FONT, TITLE_SIZE)
    doc.add_paragraph()  # 标题下空一行
    for key, text in report.plain_sections():
        text = xml_safe(text)
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
        lead, sep, rest = text.partition("。")
        if key != Section.OPENING and sep:
            _font(p.add_run(lead + sep), BODY_FONT, BODY_SIZE, bold=True)
            _font(p.add_run(rest), BODY_FONT, BODY_SIZE)
        else:
            _font(p.add_run(text), BODY_FONT, BODY_SIZE)
    doc.add_paragraph()  # 正文下空一行
    for line in (office, chinese_date(on)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(BODY_SIZE * 2)  # 右空二字
        _font(p.add_run(line), BODY_FONT, BODY_SIZE)
    _properties(doc, title=title_text, office=office, made=made)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


IMPORT_HEADERS = (
    "年度",
    "序号",
    "工作条线",
    "任务名称",
    "任务内容",
    "责任单位",
    "完成时限",
    "权重",
    "指标",
    "指标参数",
    "目标值",
    "手工状态",
    "不适用",
)
PROGRESS_HEADERS = ("完成值", "进度", "状态", "说明")


def progress_rows(progress: ChecklistProgress):
    for tp in progress.tasks:
        t = tp.task
        yield [
            progress.checklist.year,
            t.number,
            str(Line(t.line).label),
            t.title,
            t.description,
            t.responsible.name,
            t.deadline,
            float(t.weight),
            measure_text(t.measure_key) if t.measure_key else "",
            params_text(t.measure_key, t.measure_params),
            float(t.target) if t.target is not None else None,
            str(t.get_manual_status_display()) if t.manual_status else "",
            "是" if t.not_applicable else "",
            tp.value_text,
            tp.percent_text,
            str(tp.state_label),
            (_g("manual") if tp.manual else "") + (t.not_applicable_reason or ""),
        ]


def progress_xlsx(progress: ChecklistProgress) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务清单"
    header_fill = PatternFill("solid", fgColor="B31B1B")
    headers = IMPORT_HEADERS + PROGRESS_HEADERS
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in progress_rows(progress):
        ws.append([escape_cell(v) for v in row])
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    widths = (6, 6, 10, 30, 40, 24, 12, 6, 26, 26, 8, 10, 6, 10, 8, 8, 20)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"

    summary = wb.create_sheet("进度汇总")
    summary.append(["范围", "进度", "权重合计", "计算公式"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for roll in [*progress.lines, progress.overall]:
        summary.append(
            [str(roll.label), pct(roll.percent), number(roll.weight_total), roll.formula]
        )
    summary.append([])
    summary.append(
        [
            "说明",
            "任务进度＝完成值÷目标值（最高100%）；人工填报任务：未开始0%、推进中50%、已完成100%；"
            "条线与总体进度＝Σ(权重×进度)÷Σ权重，不适用的任务不计入。",
        ]
    )
    summary.column_dimensions["A"].width = 14
    summary.column_dimensions["D"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
