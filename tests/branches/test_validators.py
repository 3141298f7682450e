import pytest
from django.core.exceptions import ValidationError

from chengjiang.personal_data import (
    MSG_ID_BIRTH,
    MSG_ID_CHECK,
    MSG_ID_FORMAT,
    id_check_digit,
    mask_id_number,
    mask_phone,
    validate_id_number,
)

# The GB 11643 example number: 11010519491231002X.
VALID = "11010519491231002X"


def test_valid_id_number_passes():
    validate_id_number(VALID)
    validate_id_number(VALID.lower())


def test_check_digit_computed():
    assert id_check_digit(VALID[:17]) == "X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", MSG_ID_CHECK),
        ("11010519491331002X", MSG_ID_BIRTH),
        ("1101051949123100", MSG_ID_FORMAT),
        ("11010519491231002Y", MSG_ID_FORMAT),
        ("", MSG_ID_FORMAT),
    ],
)
def test_invalid_id_numbers_refused(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.messages == [str(message)]


def test_masking():
    assert mask_id_number("341802198001011234") == "341802********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""
