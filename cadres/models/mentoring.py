"""结对帮带: village cadres (村干部, the mentors), pairings with reserve cadres, and the
mentoring log.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.models import Member, Village
from chengjiang.access import ScopedQuerySet
from chengjiang.models import Recorded
from chengjiang.personal_data import mask_phone, validate_phone

from .base import Person
from .recruitment import ReserveCadre

MSG_ALREADY_PAIRED = _("This reserve cadre already has an active pairing.")
MSG_PAIRING_ENDED = _("This pairing has ended; no more log entries can be added.")
MSG_LOG_DATE = _("The entry's date must lie within the pairing.")
MSG_LOG_MENTOR = _("The mentor must be one of the pairing's mentors.")
MSG_LOG_FUTURE = _("The date cannot be in the future.")


class VillageCadreQuerySet(ScopedQuerySet):
    scope_village_field = "village"


class VillageCadre(Person):
    """村干部: who holds which village post for which term — the people who mentor."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("Party organisation secretary")
        DIRECTOR = "director", _("villagers' committee director")
        DEPUTY_SECRETARY = "deputy_secretary", pgettext_lazy("village post", "deputy secretary")
        COMMITTEE_MEMBER = "committee_member", pgettext_lazy("village post", "committee member")
        ACCOUNTANT = "accountant", _("accountant")

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("Party member record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The same person's record among the Party members, matched by ID number."),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Member.Gender)
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[validate_phone])
    post = models.CharField(_("post"), max_length=30, choices=Post)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    objects = VillageCadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("village cadre")
        verbose_name_plural = _("village cadres")
        ordering = ["village__name", "post", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="village_cadre_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
            models.UniqueConstraint(
                fields=["member", "post"],
                condition=Q(member__isnull=False) & Q(term_end__isnull=True),
                name="village_cadre_one_serving_post_per_member",
                violation_error_message=_(
                    "This Party member is already linked to a serving village cadre in this post."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_post_display()}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PairingQuerySet(ScopedQuerySet):
    scope_village_field = "reserve_cadre__village"

    def active_between(self, start: datetime.date, end: datetime.date):
        return self.filter(started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )

    def for_list(self):
        return self.select_related("reserve_cadre__village").prefetch_related("mentors")


class Pairing(models.Model):
    """结对帮带: one reserve cadre with one mentor (一对一) or several (多对一)."""

    class Mode(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("one-to-one")
        MANY_TO_ONE = "many_to_one", _("many-to-one")

    class Assessment(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        COMPETENT = "competent", _("competent")
        BASIC = "basic", _("basically competent")
        NOT_COMPETENT = "not_competent", _("not competent")

    reserve_cadre = models.ForeignKey(
        ReserveCadre,
        verbose_name=_("reserve cadre"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    mentors = models.ManyToManyField(
        VillageCadre, verbose_name=_("mentors"), related_name="pairings"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    goals = models.CharField(_("goals"), max_length=300, blank=True)
    assessment = models.CharField(
        _("end-of-pairing assessment"), max_length=20, choices=Assessment, blank=True
    )
    assessment_note = models.CharField(_("assessment note"), max_length=300, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentoring pairing")
        verbose_name_plural = _("mentoring pairings")
        ordering = ["-started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="pairing_end_after_start",
                violation_error_message=_("The end date cannot be earlier than the start date."),
            ),
            models.CheckConstraint(
                condition=Q(assessment="") | Q(ended_on__isnull=False),
                name="pairing_assessed_when_ended",
                violation_error_message=_("Only an ended pairing can be assessed."),
            ),
            # One open pairing per reserve cadre, whoever writes it (admin, import, a race).
            models.UniqueConstraint(
                fields=["reserve_cadre"],
                condition=Q(ended_on__isnull=True),
                name="one_open_pairing_per_cadre",
                violation_error_message=MSG_ALREADY_PAIRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reserve_cadre.name} · {self.get_mode_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cadres:pairing_detail", args=[self.pk])


class MentoringLogQuerySet(ScopedQuerySet):
    scope_village_field = "pairing__reserve_cadre__village"


class MentoringLog(Recorded):
    """One entry of a pairing's mentoring log (secretaries may add them for their village)."""

    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("mentoring pairing"),
        on_delete=models.CASCADE,
        related_name="logs",
    )
    date = models.DateField(_("date"))
    mentor = models.ForeignKey(
        VillageCadre,
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField(_("content"))

    objects = MentoringLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentoring log entry")
        verbose_name_plural = _("mentoring log entries")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} · {self.pairing}"

    def clean(self) -> None:
        """An entry lies within its pairing (not after today) and names one of its mentors."""
        from django.utils import timezone

        if self.pairing_id is None or self.date is None:
            return
        pairing = self.pairing
        if self._state.adding and pairing.ended_on is not None:
            raise ValidationError(MSG_PAIRING_ENDED)
        if self.date > timezone.localdate():
            raise ValidationError({"date": MSG_LOG_FUTURE})
        if self.date < pairing.started_on or (pairing.ended_on and self.date > pairing.ended_on):
            raise ValidationError({"date": MSG_LOG_DATE})
        if self.mentor_id is not None and not pairing.mentors.filter(pk=self.mentor_id).exists():
            raise ValidationError({"mentor": MSG_LOG_MENTOR})
