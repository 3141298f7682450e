"""村民小组 and the five pay tiers (五档递增薪酬): a group's dated figures, the pay scale in force
on a date, and the tier computed from them (``VillageGroupQuerySet.with_tier``) — never typed in.
"""

from __future__ import annotations

import datetime
import itertools

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Village
from chengjiang.access import ScopedQuerySet

from .base import TIER_COUNT, SubDistrictQuerySet

MSG_TIER_COUNT = _("A pay scale has exactly five tiers, numbered 1 to 5.")
MSG_TIERS_INCREASE = _(
    "Each tier's population bound, workload bound and allowance must be higher than the "
    "tier below it."
)
MSG_FIRST_TIER_FROM_ZERO = _("Tier 1 starts from population 0 and workload 0.")


def tier_annotations(date: datetime.date, group_ref: str = "pk") -> dict:
    """Annotations giving a group's figures, tier and monthly allowance on ``date``.

    ``group_ref`` is the lookup from the annotated row to its VillageGroup. The tier is the
    highest tier of the scale in force whose population bound OR workload bound the group's
    figures in force reach (a small group with heavy duties is not paid less than its work).
    """
    figures = GroupFigures.objects.filter(
        group=OuterRef(group_ref), effective_from__lte=date
    ).order_by("-effective_from", "-pk")
    scale = PayScale.objects.filter(effective_from__lte=date).order_by("-effective_from")
    tier = (
        PayTier.objects.filter(scale=Subquery(scale.values("pk")[:1]))
        .filter(
            Q(population_min__lte=OuterRef("tier_population"))
            | Q(workload_min__lte=OuterRef("tier_workload"))
        )
        .order_by("-level")
    )
    return {
        "tier_population": Subquery(figures.values("population")[:1]),
        "tier_workload": Subquery(figures.values("workload")[:1]),
        "tier_level": Subquery(tier.values("level")[:1]),
        "tier_allowance": Subquery(tier.values("monthly_allowance")[:1]),
    }


class VillageGroupQuerySet(ScopedQuerySet):
    scope_village_field = "village"

    def with_tier(self, date: datetime.date):
        return self.annotate(**tier_annotations(date))


class VillageGroup(models.Model):
    """村民小组: a residents' group inside an administrative village."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="groups"
    )
    name = models.CharField(_("name"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = VillageGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("village group")
        verbose_name_plural = _("village groups")
        ordering = ["village__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="village_group_name_unique",
                violation_error_message=_("This village already has a group with this name."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("cadres:group_detail", args=[self.pk])

    def figures_on(self, date: datetime.date) -> GroupFigures | None:
        return (
            self.figures.filter(effective_from__lte=date).order_by("-effective_from", "-pk").first()
        )

    def tier_on(self, date: datetime.date) -> PayTier | None:
        figures = self.figures_on(date)
        scale = PayScale.objects.in_force(date)
        if figures is None or scale is None:
            return None
        return scale.tier_for(population=figures.population, workload=figures.workload)


class GroupFiguresQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"


class GroupFigures(models.Model):
    """A group's population and workload factors from a date on; earlier rows stay as history."""

    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    effective_from = models.DateField(_("effective from"))
    population = models.PositiveIntegerField(_("population"))
    households = models.PositiveIntegerField(_("households"))
    area_mu = models.DecimalField(
        _("area (mu)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    duties = models.CharField(
        _("special duties"),
        max_length=200,
        blank=True,
        help_text=_("Duties that add workload, e.g. scenic area, collective enterprise."),
    )
    workload = models.PositiveIntegerField(
        _("workload points"),
        help_text=_("The workload points assessed under the sub-district's plan."),
    )

    objects = GroupFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("group figures")
        verbose_name_plural = _("group figures")
        ordering = ["group", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "effective_from"],
                name="group_figures_once_per_date",
                violation_error_message=_(
                    "This group already has figures effective from this date."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.effective_from}"


class PayScaleQuerySet(SubDistrictQuerySet):
    def in_force(self, date: datetime.date) -> PayScale | None:
        return self.filter(effective_from__lte=date).order_by("-effective_from").first()


class PayScale(models.Model):
    """五档递增薪酬: the scale of five increasing tiers in force from a date."""

    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"), unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PayScaleQuerySet.as_manager()

    class Meta:
        verbose_name = _("pay scale")
        verbose_name_plural = _("pay scales")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from}）"

    def tier_for(self, *, population: int, workload: int) -> PayTier | None:
        tiers = sorted(self.tiers.all(), key=lambda t: t.level, reverse=True)
        for tier in tiers:
            if population >= tier.population_min or workload >= tier.workload_min:
                return tier
        return None


def validate_tiers(tiers: list[PayTier]) -> None:
    """Five tiers 1..5, tier 1 from zero, every bound and allowance strictly increasing."""
    tiers = sorted(tiers, key=lambda t: t.level)
    if [t.level for t in tiers] != list(range(1, TIER_COUNT + 1)):
        raise ValidationError(MSG_TIER_COUNT)
    if tiers[0].population_min != 0 or tiers[0].workload_min != 0:
        raise ValidationError(MSG_FIRST_TIER_FROM_ZERO)
    for lower, upper in itertools.pairwise(tiers):
        if not (
            upper.population_min > lower.population_min
            and upper.workload_min > lower.workload_min
            and upper.monthly_allowance > lower.monthly_allowance
        ):
            raise ValidationError(MSG_TIERS_INCREASE)


class PayTierQuerySet(SubDistrictQuerySet):
    pass


class PayTier(models.Model):
    """One tier: from these lower bounds (inclusive) up to the next tier's, this allowance."""

    scale = models.ForeignKey(
        PayScale, verbose_name=_("pay scale"), on_delete=models.CASCADE, related_name="tiers"
    )
    level = models.PositiveSmallIntegerField(
        _("tier"), validators=[MinValueValidator(1), MaxValueValidator(TIER_COUNT)]
    )
    population_min = models.PositiveIntegerField(_("population from"))
    workload_min = models.PositiveIntegerField(_("workload points from"))
    monthly_allowance = models.DecimalField(
        _("monthly allowance (yuan)"), max_digits=8, decimal_places=2
    )

    objects = PayTierQuerySet.as_manager()

    class Meta:
        verbose_name = _("pay tier")
        verbose_name_plural = _("pay tiers")
        ordering = ["scale", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["scale", "level"],
                name="pay_tier_once_per_scale",
                violation_error_message=_("This pay scale already has this tier."),
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=TIER_COUNT),
                name="pay_tier_level_1_5",
                violation_error_message=_("The tier is outside the allowed range."),
            ),
        ]

    def __str__(self) -> str:
        return _("Tier %(level)s") % {"level": self.level}
