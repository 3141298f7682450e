"""The year-end summary: wording with placeholders bound to the measures, edited by the office."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches import services as branch_services
from branches.models import OrgChange
from chengjiang.access import SYSTEM
from chengjiang.worktasks import services
from chengjiang.worktasks.models import ReportDraft, Section
from chengjiang.worktasks.report import DEFAULT_SECTIONS, approx, render_report, validate_wording
from tests.factories import MemberFactory, TalkFactory

from .factories import ChecklistFactory


@pytest.mark.parametrize(
    ("value", "text"),
    [(136, "130余"), (130, "130"), (140, "140"), (21, "20余"), (20, "20"), (19, "19"), (0, "0")],
)
def test_approx_rule_rounds_down_to_tens_with_yu_from_twenty(value, text):
    assert approx(value) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("共开展民主生活会2次", "请使用绑定指标的占位符"),  # a typed number
        ("共开展民主生活会２次", "请使用绑定指标的占位符"),  # full-width
        ("{branches.nothing}", "的指标（占位符"),
        ("{branches.meetings:kind=picnic}", "含有未知的参数或取值"),
        ("{branches.meetings:colour=red}", "含有未知的参数或取值"),
        ("{branches.meetings|shout}", "写法不正确"),
        ("{Branches meetings}", "写法不正确"),
        ("未闭合 {branches.meetings", "有未配对的花括号"),
    ],
)
def test_wording_refuses_typed_numbers_and_bad_placeholders(text, message):
    with pytest.raises(ValidationError, match=message):
        validate_wording(text)


def test_default_wording_of_the_organisation_section_is_valid():
    validate_wording(DEFAULT_SECTIONS[Section.ORGANIZATION])
    validate_wording(DEFAULT_SECTIONS[Section.OPENING])


def _organisation_text(scope=""):
    report = render_report(year=2024, scope=scope)
    return dict(report.plain_sections())[Section.ORGANIZATION]


def test_each_organisation_figure_moves_when_a_record_changes(tree, meeting):
    """民主生活会, 组织生活会, 谈心谈话 (130余), 新成立党支部, 分设党小组, 调整书记."""
    ChecklistFactory(year=2024)
    text = _organisation_text()
    # nothing recorded yet: the sentences of figures are left out, never "0次"
    assert "近一年来" not in text and "0次" not in text and "新成立" not in text

    meeting(tree.root)
    meeting(tree.a1)
    assert "民主生活会2次" in _organisation_text()
    meeting(tree.a1, kind="org_life")
    assert "组织生活会1次" in _organisation_text()

    members = tree.a_members
    talk = TalkFactory(organization=tree.a1, status="approved")
    for _ in range(136):
        talk.participants.create(name="群众")
    assert "累计谈心谈话130余人次" in _organisation_text()
    for _ in range(4):
        talk.participants.create(name="群众")
    assert "累计谈心谈话140人次" in _organisation_text()

    day = datetime.date(2024, 5, 20)
    branch_services.organization_establish(
        name="新支部一", kind="branch", parent=tree.a, date=day, by=SYSTEM
    )
    branch_services.organization_establish(
        name="新支部二", kind="branch", parent=tree.b, date=day, by=SYSTEM
    )
    assert "新成立基层党支部2个" in _organisation_text()
    branch_services.party_groups_set_up(branch=tree.b1, names=["甲组", "乙组"], date=day, by=SYSTEM)
    assert "分设党小组2个" in _organisation_text()

    branch_services.secretary_appoint(
        organization=tree.a1, member=members[0], date=datetime.date(2021, 1, 1), by=SYSTEM
    )
    branch_services.secretary_appoint(organization=tree.a1, member=members[1], date=day, by=SYSTEM)
    assert "1个党支部调整书记1人" in _organisation_text()
    # a village's own report counts its own
    assert "新成立基层党支部1个" in _organisation_text(tree.b.path)
    OrgChange.objects.filter(kind="established", organization__name="新支部二").delete()
    assert "新成立基层党支部1个" in _organisation_text()
    assert MemberFactory  # factories stay importable for the figure tests


def test_opening_names_the_checklist(tree):
    ChecklistFactory(year=2024)
    opening = dict(render_report(year=2024, scope="").plain_sections())[Section.OPENING]
    assert "区委组织部《2024年全区乡村组织振兴重点工作任务》清单" in opening


def _post_wording(client, year, org, **over):
    data = {"title": "{year}年度工作总结", **{k.value: v for k, v in DEFAULT_SECTIONS.items()}}
    data.update(over)
    return client.post(reverse("worktasks:report_edit", args=[year]) + f"?org={org.pk}", data)


def test_office_edits_the_wording_and_figures_stay_bound(tree, users, login, meeting):
    ChecklistFactory(year=2024)
    client = login(users.office)
    wording = "经统计，全年召开民主生活会共{branches.meetings:kind=democratic_life}场。"
    response = _post_wording(client, 2024, tree.root, organization=wording)
    assert response.status_code == 302
    assert ReportDraft.objects.get().organization == wording
    meeting(tree.root)
    page = client.get(reverse("worktasks:report", args=[2024]) + f"?org={tree.root.pk}")
    assert "全年召开民主生活会共" in page.content.decode()
    assert "民主生活会共1场" in dict(page.context["report"].plain_sections())["organization"]
    meeting(tree.a1)
    page = client.get(reverse("worktasks:report", args=[2024]) + f"?org={tree.root.pk}")
    assert "民主生活会共2场" in dict(page.context["report"].plain_sections())["organization"]


def test_typed_numbers_are_refused_and_nothing_is_saved(tree, users, login):
    client = login(users.office)
    response = _post_wording(client, 2024, tree.root, organization="共召开民主生活会2次。")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ReportDraft.objects.exists()


@pytest.mark.parametrize("role", ["leader", "sec_a"])
def test_leadership_and_secretaries_cannot_edit(tree, users, login, role):
    client = login(getattr(users, role))
    assert _post_wording(client, 2024, tree.a).status_code == 403
    assert client.get(reverse("worktasks:report_edit", args=[2024])).status_code == 403
    assert not ReportDraft.objects.exists()


def test_wording_is_per_year_and_scope(tree, users):
    sections = {k.value: v for k, v in DEFAULT_SECTIONS.items()}
    services.report_draft_save(
        year=2024, scope=tree.a, title="花园村{year}年总结", sections=sections, by=SYSTEM
    )
    assert render_report(year=2024, scope=tree.a.path, scope_org=tree.a).plain_title() == (
        "花园村2024年总结"
    )
    assert "花园村" not in render_report(year=2024, scope="", scope_org=tree.root).plain_title()
    # another year: not the saved wording, the village's default
    other_year = render_report(year=2023, scope=tree.a.path, scope_org=tree.a).plain_title()
    assert other_year == "花园村2023年度抓党建促乡村组织振兴工作总结"
