"""How the import preview shows a cell (chengjiang.importexport.ClassedDiff): numbers by value."""

from decimal import Decimal

import pytest

from chengjiang.importexport import number_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("410.0"), "410"),
        (Decimal("410"), "410"),
        (410, "410"),
        (410.0, "410"),
        (Decimal("82.50"), "82.5"),
        (82.5, "82.5"),
        (Decimal("0.00"), "0"),
        (Decimal("-0.0"), "0"),
        (Decimal("1E+3"), "1000"),
        (0.1, "0.1"),
    ],
)
def test_a_number_reads_by_its_value(value, text):
    assert number_text(value) == text


@pytest.mark.parametrize("value", ["410.0", "0123", True, None])
def test_anything_else_is_left_as_it_is(value):
    assert number_text(value) is value
