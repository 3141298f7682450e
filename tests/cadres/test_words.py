"""The office's own words (issue 11 §6): 选举批次, 区委组织部下发, 人工填报, 实训基地,
主办（委托）单位, one term for the ID number (身份证号码) and one for group leaders' pay (薪酬, the
seed report's "五档递增的薪酬制度"); no raw period code on the pay sheet."""

import datetime

import pytest
from django.utils import translation

from branches.models import Member
from cadres.models import ElectionRound, GroupLeader, PayTier
from cadres.selectors import SheetPeriod
from chengjiang.worktasks.models import Task
from training.models import TrainingBase, TrainingClass


def _zh(text):
    with translation.override("zh-hans"):
        return str(text)


@pytest.mark.parametrize(
    ("label", "word"),
    [
        (lambda: ElectionRound._meta.verbose_name, "选举批次"),
        (lambda: TrainingBase._meta.verbose_name, "实训基地"),
        (
            lambda: TrainingClass._meta.get_field("sending_organisation").verbose_name,
            "主办（委托）单位",
        ),
        (lambda: Member._meta.get_field("id_number").verbose_name, "身份证号码"),
        (lambda: GroupLeader._meta.get_field("id_number").verbose_name, "身份证号码"),
        (lambda: PayTier._meta.get_field("monthly_allowance").verbose_name, "月薪酬（元）"),
        (lambda: Task._meta.get_field("manual_status").verbose_name, "人工填报状态"),
    ],
)
def test_labels_use_the_offices_words(label, word):
    assert _zh(label()) == word


def test_the_checklist_is_issued_by_the_district_organisation_department():
    from django.utils.translation import gettext_lazy as _

    assert "区委组织部下发" in _zh(_("The district's checklist sheet (.xlsx)"))


@pytest.mark.parametrize(
    ("code", "label"),
    [("2024-10", "2024年10月"), ("2024-Q4", "2024年第四季度"), ("2025-Q1", "2025年第一季度")],
)
def test_the_pay_sheet_names_its_period_in_words(code, label):
    period = SheetPeriod.parse(code)
    assert period.label == label
    assert period.start <= datetime.date(int(code[:4]), 12, 31)


@pytest.mark.django_db
def test_the_pay_sheet_page_shows_no_raw_period_code(client, users):
    client.force_login(users.office, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/cadres/allowances/", {"period": "2024-Q4"}).content.decode()
    heading = html.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "2024年第四季度" in heading and "Q4" not in heading
    assert "薪酬" in heading and "补贴" not in html
