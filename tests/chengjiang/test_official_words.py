"""The office's own words (issue 11 §6): 审核通过, 两荐, 未通过 / 终止环节 / 终止原因, 操作日志."""

import pytest
from django.utils import translation

from branches.models import Status
from cadres.models import Candidate


@pytest.mark.parametrize(
    ("label", "word", "not_word"),
    [
        (lambda: Status.APPROVED.label, "审核通过", "已审核"),
        (lambda: Candidate.Stage.STOPPED.label, "未通过", "止步"),
        (lambda: Candidate._meta.get_field("stopped_at").verbose_name, "终止环节", "止步"),
        (lambda: Candidate._meta.get_field("stop_reason").verbose_name, "终止原因", "止步"),
    ],
)
def test_labels_use_the_offices_words(label, word, not_word):
    with translation.override("zh-hans"):
        text = str(label())
    assert text == word and not_word not in text


def test_the_audit_trail_is_the_operation_log():
    from auditlog.models import LogEntry

    with translation.override("zh-hans"):
        assert str(LogEntry._meta.verbose_name_plural) == "操作日志"
