"""The downloads open with their libraries, and the annual_report command writes the same."""

import io

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chengjiang.worktasks.models import ManualStatus

from .factories import ChecklistFactory, TaskFactory


@pytest.fixture
def year_2024(tree, meeting):
    checklist = ChecklistFactory(year=2024)
    TaskFactory(checklist=checklist, number=1, responsible=tree.root, target=4, title="民主生活会")
    TaskFactory(
        checklist=checklist,
        number=2,
        responsible=tree.root,
        title="出台方案",
        measure_key="",
        measure_params={},
        target=None,
        manual_status=ManualStatus.DONE,
    )
    meeting(tree.root)
    meeting(tree.a1, kind="org_life")
    return checklist


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_summary_docx_opens_with_python_docx(year_2024, users, login):
    response = login(users.leader).get(reverse("worktasks:report_docx", args=[2024]))
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert "2024年度" in text
    assert "民主生活会1次、组织生活会1次" in text
    assert "坚持强化组织建设" in text and "坚持强化队伍建设" in text and "坚持强化阵地建设" in text


def test_progress_xlsx_opens_with_openpyxl(year_2024, users, login):
    response = login(users.office).get(reverse("worktasks:progress_xlsx", args=[2024]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb["任务清单"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["年度", "序号", "工作条线"] and "进度" in headers
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[1][headers.index("完成值")] == "1"
    assert rows[1][headers.index("进度")] == "25.0%"
    assert rows[2][headers.index("说明")].startswith("人工填报") or "manual" in rows[2][-1]
    summary = wb["进度汇总"]
    assert any("÷" in str(r[3]) for r in summary.iter_rows(min_row=2, values_only=True) if r[3])


def test_annual_report_markdown_to_stdout(year_2024, capsys):
    call_command("annual_report", "--year", "2024")
    out = capsys.readouterr().out
    assert out.startswith("# 2024年度")
    assert "共开展民主生活会1次、组织生活会1次" in out
    assert "《2024年全区乡村组织振兴重点工作任务》" in out


def test_annual_report_scope_and_files(year_2024, tree, tmp_path, capsys):
    call_command("annual_report", "--year", "2024", "--scope", tree.root.name)
    assert "民主生活会1次、组织生活会1次" in capsys.readouterr().out
    # a village's summary speaks for the village
    call_command("annual_report", "--year", "2024", "--scope", tree.a.name)
    village = capsys.readouterr().out
    assert village.startswith("# 花园村2024年度") and "组织生活会1次" in village
    assert "民主生活会" not in village and "街道创新" not in village
    # a branch has no default wording of its own
    with pytest.raises(CommandError, match="没有本单位自己的总结措辞"):
        call_command("annual_report", "--year", "2024", "--scope", tree.a1.name)
    md = tmp_path / "r.md"
    call_command("annual_report", "--year", "2024", "--output", str(md))
    assert "民主生活会1次" in md.read_text(encoding="utf-8")
    out = tmp_path / "r.docx"
    call_command("annual_report", "--year", "2024", "--format", "docx", "--output", str(out))
    assert "民主生活会1次" in _docx_text(out.read_bytes())
    out = tmp_path / "r.xlsx"
    call_command("annual_report", "--year", "2024", "--format", "xlsx", "--output", str(out))
    assert openpyxl.load_workbook(out)["任务清单"].max_row == 3


def test_annual_report_refuses_unknown_scope_and_missing_output(year_2024):
    with pytest.raises(CommandError):
        call_command("annual_report", "--year", "2024", "--scope", "不存在")
    with pytest.raises(CommandError):
        call_command("annual_report", "--year", "2024", "--format", "docx")
