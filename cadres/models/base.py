"""What every person record of 队伍建设 shares, and the scope of sub-district-wide records."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.models import Member, check_born_by_today
from chengjiang.access import ScopedQuerySet
from chengjiang.dates import BIRTH_DATE
from chengjiang.personal_data import (
    check_birth_date,
    id_birth_date,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)

TIER_COUNT = 5
HUNDRED = Decimal("100")


def stop_has_reason(name: str) -> models.CheckConstraint:
    """A record that stopped (未通过) names the reason and the stage (终止环节); one that did not
    stop names no stage. Shared by candidates and applicants."""
    return models.CheckConstraint(
        condition=(Q(stage="stopped") & ~Q(stop_reason="") & ~Q(stopped_at=""))
        | (~Q(stage="stopped") & Q(stopped_at="")),
        name=name,
        violation_error_message=_(
            "A stopped record needs the reason and the stage it stopped at; "
            "one not stopped has no stage."
        ),
    )


class Person(models.Model):
    """Fields shared by every person record of this app (not necessarily Party members)."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Member.Gender)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, validators=BIRTH_DATE)
    id_number = models.CharField(_("ID number"), max_length=18, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[validate_phone])

    class Meta:
        abstract = True

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        if self.birth_date is None:
            self.birth_date = id_birth_date(self.id_number)
        check_born_by_today(self.birth_date)  # also the date read from the ID number
        check_birth_date(self.id_number, self.birth_date)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SubDistrictQuerySet(ScopedQuerySet):
    """Records of the sub-district as a whole (the pay scale): every scoped user sees them."""

    scope_whole_tree = True
