"""Personal-data validators and masking (GB 11643 resident ID numbers, mobile phones)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

MSG_ID_FORMAT = _("An ID number has 18 characters: 17 digits and a digit or X.")
MSG_ID_BIRTH = _("The birth date inside the ID number is not a real date.")
MSG_ID_CHECK = _("The ID number's check digit is wrong; please check each digit.")
MSG_PHONE = _("Enter an 11-digit mobile phone number.")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    value = normalize_id_number(value)
    if not ID_RE.match(value):
        raise ValidationError(MSG_ID_FORMAT, code="id_format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(MSG_ID_BIRTH, code="id_birth") from exc
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(MSG_ID_CHECK, code="id_check")


def birth_date_from_id(value: str) -> datetime.date:
    value = normalize_id_number(value)
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value.strip()):
        raise ValidationError(MSG_PHONE, code="phone")


def mask_id_number(value: str | None) -> str:
    """341802********1234: the region code and the last four stay, the birth date goes."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
