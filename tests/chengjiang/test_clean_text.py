"""The one cleaning rule for text entering the portal (chengjiang/text.py)."""

import pytest

from chengjiang.text import clean_text, xml_safe


@pytest.mark.parametrize(
    ("raw", "multi", "single"),
    [
        ("第一行\v第二行", "第一行\n第二行", "第一行 第二行"),
        ("a\r\nb\rc", "a\nb\nc", "a b c"),
        ("a\fb\u2028c\u2029d\x85e", "a\nb\nc\nd\ne", "a b c d e"),
        ("张\x00三\x07\x1b\x7f\x9f", "张三", "张三"),
        ("tab\there", "tab\there", "tab here"),
        ("bad\ud800surrogate\ufffe", "badsurrogate", "badsurrogate"),
        ("普通文字 plain", "普通文字 plain", "普通文字 plain"),
    ],
)
def test_clean_text_removes_or_normalises_control_chars(raw, multi, single):
    assert clean_text(raw) == multi
    assert clean_text(raw, multiline=False) == single


def test_clean_text_none_and_non_strings():
    assert clean_text(None) == ""
    assert clean_text(12) == "12"


def test_cleaned_text_is_writable_to_xlsx():
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    every = "".join(chr(c) for c in range(0, 0xA0)) + "\u2028\ud800\ufffe"
    cleaned = clean_text(every)
    assert not ILLEGAL_CHARACTERS_RE.search(cleaned)
    Workbook().active["A1"] = cleaned  # raises IllegalCharacterError on any illegal char
    assert xml_safe(5) == 5
    assert xml_safe("a\vb") == "a\nb"
