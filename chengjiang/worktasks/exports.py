"""Downloads: the year-end summary as .docx (python-docx) and the checklist's progress as .xlsx
(openpyxl). The xlsx's first columns are the import sheet's, so an export can be re-imported; the
measure and its parameters are written in Chinese (see ``measure_text``)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _g
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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


BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"


def _font(run, name: str, size: int, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), name)


def report_docx(report: RenderedReport) -> bytes:
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(report.plain_title()), TITLE_FONT, 22)
    for key, text in report.plain_sections():
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.line_spacing = Pt(28)
        lead, sep, rest = text.partition("。")
        if key != Section.OPENING and sep:
            _font(p.add_run(lead + sep), BODY_FONT, 16, bold=True)
            _font(p.add_run(rest), BODY_FONT, 16)
        else:
            _font(p.add_run(text), BODY_FONT, 16)
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
            "任务进度＝完成值÷目标值（最高100%）；手工任务：未开始0%、推进中50%、已完成100%；"
            "条线与总体进度＝Σ(权重×进度)÷Σ权重，不适用的任务不计入。",
        ]
    )
    summary.column_dimensions["A"].width = 14
    summary.column_dimensions["D"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
