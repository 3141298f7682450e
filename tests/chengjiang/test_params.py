import datetime

import pytest
from django.http import Http404

from chengjiang.params import MAX_ID, id_or_404, parse_date, parse_id, parse_int, year_or_404


@pytest.mark.parametrize(
    "raw", ["", None, "0", "-1", "1.5", "１２", "x", "9" * 30, str(MAX_ID + 1)]
)
def test_parse_id_refuses(raw):
    assert parse_id(raw) is None
    with pytest.raises(Http404):
        id_or_404(raw)


def test_parse_id_accepts():
    assert parse_id(" 42 ") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize(
    "raw", ["9999-12-31", "0001-01-01", "2024-02-30", "２０２４-01-01", "x", ""]
)
def test_parse_date_refuses(raw):
    assert parse_date(raw) is None


def test_parse_date_and_int_accept():
    assert parse_date("2024-10-01") == datetime.date(2024, 10, 1)
    assert parse_int("12", low=1, high=12) == 12
    assert parse_int("13", low=1, high=12) is None
    assert parse_int("9" * 40, low=1, high=12) is None


@pytest.mark.parametrize("year", [0, 1, 99999, 2**70])
def test_year_or_404(year):
    with pytest.raises(Http404):
        year_or_404(year)
    assert year_or_404(2024) == 2024
