"""村民组长 elections (两荐一考一选): election rounds, candidates through the four steps, and the
group leaders they elect.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Village
from chengjiang.access import ScopedQuerySet

from .base import Person
from .groups import VillageGroup

MSG_VOTES_EXCEED = _("Votes for cannot exceed the votes cast.")
MSG_END_BEFORE_START = _("The end date cannot be before the start date.")


class VoteRule(models.TextChoices):
    MAJORITY = "majority", _("more than half of votes cast")
    TWO_THIRDS = "two_thirds", _("at least two-thirds of votes cast")

    @staticmethod
    def passes(rule: str, votes_for: int, votes_cast: int) -> bool:
        if votes_cast <= 0:
            return False
        if rule == VoteRule.TWO_THIRDS:
            return votes_for * 3 >= votes_cast * 2
        return votes_for * 2 > votes_cast


class ElectionRoundQuerySet(ScopedQuerySet):
    scope_village_field = "villages"

    def within(self, path: str):
        villages = Organization.objects.filter(path__startswith=path).values("village")
        ids = ElectionRound.villages.through.objects.filter(village__in=villages).values(
            "electionround"
        )
        return self.filter(pk__in=ids)


class ElectionRound(models.Model):
    """One round of 两荐一考一选 for one or more villages."""

    name = models.CharField(_("name"), max_length=100)
    villages = models.ManyToManyField(Village, verbose_name=_("villages"), related_name="+")
    announced_on = models.DateField(_("announced on"))
    pass_mark = models.DecimalField(
        _("exam pass mark"), max_digits=5, decimal_places=1, default=Decimal("60")
    )
    recommendation_rule = models.CharField(
        _("mass recommendation rule"), max_length=20, choices=VoteRule, default=VoteRule.MAJORITY
    )
    election_rule = models.CharField(
        _("election rule"), max_length=20, choices=VoteRule, default=VoteRule.MAJORITY
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))

    objects = ElectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("election round")
        verbose_name_plural = _("election rounds")
        ordering = ["-announced_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")),
                name="round_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": MSG_END_BEFORE_START})


class Step(models.TextChoices):
    """The four steps of 两荐一考一选, in order."""

    QUALIFICATION = "qualification", _("qualification check")
    RECOMMENDATION = "recommendation", _("two recommendations")
    EXAM = "exam", _("exam")
    ELECTION = "election", _("election")


class CandidateQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"

    def for_list(self):
        return self.select_related("round", "group__village")


class Candidate(Person):
    """A candidate for group leader, passing the four steps in order."""

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("registered")
        QUALIFIED = "qualified", _("qualified")
        RECOMMENDED = "recommended", _("recommended")
        EXAMINED = "examined", _("passed the exam")
        ELECTED = "elected", _("elected")
        STOPPED = "stopped", _("stopped")

    round = models.ForeignKey(
        ElectionRound,
        verbose_name=_("election round"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage, default=Stage.REGISTERED, db_index=True
    )
    stopped_at = models.CharField(_("stopped at"), max_length=20, choices=Step, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=300, blank=True)
    # 1. qualification: the five conditions
    politically_reliable = models.BooleanField(_("politically reliable"), null=True, blank=True)
    law_abiding = models.BooleanField(_("law-abiding"), null=True, blank=True)
    knows_village = models.BooleanField(_("knows the village"), null=True, blank=True)
    lives_locally = models.BooleanField(_("lives in the village long-term"), null=True, blank=True)
    in_good_health = models.BooleanField(_("in good health"), null=True, blank=True)
    qualification_checked_by = models.CharField(_("checked by"), max_length=50, blank=True)
    qualification_checked_on = models.DateField(_("checked on"), null=True, blank=True)
    # 2. two recommendations
    party_recommended = models.BooleanField(
        _("recommended by the Party organisation"), null=True, blank=True
    )
    mass_votes_for = models.PositiveIntegerField(
        _("mass recommendation votes"), null=True, blank=True
    )
    mass_votes_cast = models.PositiveIntegerField(
        _("mass recommendation votes cast"), null=True, blank=True
    )
    recommended_on = models.DateField(_("recommendations on"), null=True, blank=True)
    # 3. one exam
    exam_score = models.DecimalField(
        _("exam score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    exam_on = models.DateField(_("exam on"), null=True, blank=True)
    # 4. one election
    election_votes_for = models.PositiveIntegerField(_("election votes"), null=True, blank=True)
    election_votes_cast = models.PositiveIntegerField(
        _("election votes cast"), null=True, blank=True
    )
    election_on = models.DateField(_("election on"), null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    QUALIFICATIONS = (
        "politically_reliable",
        "law_abiding",
        "knows_village",
        "lives_locally",
        "in_good_health",
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["round", "group", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "id_number"],
                name="candidate_once_per_round",
                violation_error_message=_(
                    "This ID number is already a candidate in this election round."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(stage="stopped") & ~Q(stop_reason="") & ~Q(stopped_at=""))
                | (~Q(stage="stopped") & Q(stopped_at="")),
                name="candidate_stop_has_reason",
                violation_error_message=_(
                    "A stopped record needs the reason and the stage it stopped at; "
                    "one not stopped has no stage."
                ),
            ),
            models.CheckConstraint(
                condition=Q(mass_votes_for__isnull=True)
                | Q(mass_votes_for__lte=F("mass_votes_cast")),
                name="candidate_mass_votes_le_cast",
                violation_error_message=_(
                    "Votes for in the mass recommendation cannot exceed the votes cast."
                ),
            ),
            models.CheckConstraint(
                condition=Q(election_votes_for__isnull=True)
                | Q(election_votes_for__lte=F("election_votes_cast")),
                name="candidate_election_votes_le_cast",
                violation_error_message=_(
                    "Votes for in the election cannot exceed the votes cast."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.group}）"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.mass_votes_for is not None and (self.mass_votes_cast or 0) < self.mass_votes_for:
            errors["mass_votes_for"] = MSG_VOTES_EXCEED
        if (
            self.election_votes_for is not None
            and (self.election_votes_cast or 0) < self.election_votes_for
        ):
            errors["election_votes_for"] = MSG_VOTES_EXCEED
        if errors:
            raise ValidationError(errors)


class GroupLeaderQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"

    def serving(self):
        return self.filter(ended_on__isnull=True)

    def serving_between(self, start: datetime.date, end: datetime.date):
        return self.filter(started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )


class GroupLeader(Person):
    """村民组长: who led a group from when to when. At most one serving leader per group."""

    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="leaders",
    )
    candidate = models.OneToOneField(
        Candidate,
        verbose_name=_("elected as candidate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader",
    )
    started_on = models.DateField(_("started on"))
    term_end = models.DateField(_("term ends"))
    ended_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("Empty while the leader is serving.")
    )

    objects = GroupLeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("group leader")
        verbose_name_plural = _("group leaders")
        ordering = ["group__village__name", "group", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(ended_on__isnull=True),
                name="one_serving_leader_per_group",
                violation_error_message=_("This group already has a serving leader."),
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=F("started_on")),
                name="leader_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="leader_left_after_start",
                violation_error_message=_(
                    "The date of leaving office cannot be earlier than the start date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.group}）"

    @property
    def is_serving(self) -> bool:
        return self.ended_on is None
