"""Date bounds of the domain, as field validators with Chinese messages.

A person in the roster was born in 1900 or later; nobody joined the Party, and no Party meeting
or talk was held, before the Party was founded (1 July 1921); no record lies after 2100. A date
typed as 0001-01-01 or 9999-12-31 is a slip of the keyboard, refused where it is entered.
"""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
PARTY_FOUNDED = datetime.date(1921, 7, 1)
LATEST = datetime.date(2100, 12, 31)

MSG_TOO_EARLY = _("Enter a date on or after %(limit_value)s.")
MSG_TOO_LATE = _("Enter a date on or before %(limit_value)s.")


@deconstructible(path="chengjiang.dates.NotBefore")
class NotBefore(MinValueValidator):
    message = MSG_TOO_EARLY


@deconstructible(path="chengjiang.dates.NotAfter")
class NotAfter(MaxValueValidator):
    message = MSG_TOO_LATE


BIRTH_DATE = [NotBefore(EARLIEST_BIRTH), NotAfter(LATEST)]
PARTY_DATE = [NotBefore(PARTY_FOUNDED), NotAfter(LATEST)]
