"""One yes/no rule and one "required" rule for every import (issue 13 §2)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cadres import resources as cadres_resources
from chengjiang import import_widgets
from chengjiang.import_widgets import YesNoWidget, require
from chengjiang.worktasks import resources as worktasks_resources
from training import resources as training_resources


@pytest.mark.parametrize("text", ["是", "1", "true", "YES", "y", "√", 1, True])
def test_yes(text):
    assert YesNoWidget().clean(text) is True


@pytest.mark.parametrize("text", ["否", "0", "False", "no", "N", "×", 0, False])
def test_no(text):
    assert YesNoWidget().clean(text) is False


def test_unknown_words_are_refused_naming_the_text():
    with translation.override("zh-hans"), pytest.raises(ValueError, match="“也许”"):
        YesNoWidget().clean("也许")


def test_a_column_adds_its_own_words():
    widget = YesNoWidget(yes=("出勤",), no=("缺勤",))
    assert widget.clean("出勤") is True
    assert widget.clean("缺勤") is False


def test_empty_means_what_the_column_says():
    assert YesNoWidget().clean("") is None
    assert YesNoWidget(empty=False).clean("  ") is False
    with pytest.raises(ValueError, match=r"must be filled in|必须填写"):
        YesNoWidget(required=True).clean(None)


def test_every_import_uses_the_one_widget_and_message():
    """The apps' own copies are gone: the three yes/no columns and the required message."""
    for module in (cadres_resources, training_resources, worktasks_resources):
        assert not hasattr(module, "YesWidget")
        assert getattr(module, "YesNoWidget", YesNoWidget) is YesNoWidget
    from branches import resources as branches_resources

    for module in (branches_resources, cadres_resources, worktasks_resources):
        assert (
            getattr(module, "MSG_REQUIRED", import_widgets.MSG_REQUIRED)
            is import_widgets.MSG_REQUIRED
        )


def test_checklist_not_applicable_refuses_an_unknown_word():
    """It used to read any unknown text (e.g. 不确定) as "applicable"."""
    widget = worktasks_resources.TaskResource().fields["not_applicable"].widget
    with pytest.raises(ValueError, match="不确定"):
        widget.clean("不确定")
    assert widget.clean("") is False


class _Row:
    def __init__(self, **values):
        self.__dict__.update(values)


def test_zero_is_a_value_not_missing():
    require(_Row(count=0, flag=False), "count", "flag")
    with pytest.raises(ValidationError) as caught:
        require(_Row(count=None, name="  "), "count", "name")
    assert set(caught.value.message_dict) == {"count", "name"}
