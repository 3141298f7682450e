"""队伍建设: village groups and the five pay tiers, group-leader elections (两荐一考一选),
group leaders, reserve-cadre recruitment (公开招考), reserve cadres, village cadres and mentoring.

Figures that can be computed are never typed in: a group's pay tier comes from its dated figures
and the pay scale in force on a date (``VillageGroupQuerySet.with_tier``); an applicant's combined
score and rank come from the recruitment's weights (``cadres.selectors.rank_applicants``).
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.models import Member, Village
from chengjiang.access import ScopedQuerySet
from chengjiang.dates import BIRTH_DATE
from chengjiang.models import Recorded
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

MSG_TIER_COUNT = _("A pay scale has exactly five tiers, numbered 1 to 5.")
MSG_TIERS_INCREASE = _(
    "Each tier's population bound, workload bound and allowance must be higher than the "
    "tier below it."
)
MSG_FIRST_TIER_FROM_ZERO = _("Tier 1 starts from population 0 and workload 0.")
MSG_VOTES_EXCEED = _("Votes for cannot exceed the votes cast.")
MSG_WEIGHTS_SUM = _("The weights of the written test and the interview must add up to 100.")
MSG_END_BEFORE_START = _("The end date cannot be before the start date.")
MSG_ALREADY_PAIRED = _("This reserve cadre already has an active pairing.")
MSG_PAIRING_ENDED = _("This pairing has ended; no more log entries can be added.")
MSG_LOG_DATE = _("The entry's date must lie within the pairing.")
MSG_LOG_MENTOR = _("The mentor must be one of the pairing's mentors.")
MSG_LOG_FUTURE = _("The date cannot be in the future.")


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


# --- village groups and pay ---------------------------------------------------------------------


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


# --- group-leader elections (两荐一考一选) --------------------------------------------------------


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
    scope_village_field = "villages"  # any of its villages shows a round; all of them write it


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


# --- reserve cadres ----------------------------------------------------------------------------


EDUCATION_ORDER = list(Member.Education.values)


class RecruitmentQuerySet(ScopedQuerySet):
    scope_village_field = "village"


class Recruitment(models.Model):
    """公开招考: an open recruitment of reserve cadres for a named village."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    announced_on = models.DateField(_("announced on"))
    posts = models.PositiveSmallIntegerField(_("number of posts"), default=1)
    age_limit = models.PositiveSmallIntegerField(
        _("age limit"), help_text=_("Age on the announcement date, at most.")
    )
    min_education = models.CharField(
        _("minimum education"), max_length=20, choices=Member.Education
    )
    native_preference = models.CharField(
        _("native-place preference"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Xuanzhou-native university graduates preferred."),
    )
    written_weight = models.DecimalField(
        _("written test weight (%)"), max_digits=5, decimal_places=2, default=Decimal("50")
    )
    interview_weight = models.DecimalField(
        _("interview weight (%)"), max_digits=5, decimal_places=2, default=Decimal("50")
    )
    interview_ratio = models.PositiveSmallIntegerField(
        _("interview ratio (1:n of posts)"), default=3
    )
    assessment_rule = models.CharField(
        _("assessment rule"),
        max_length=300,
        default=_("Assessed in order of combined score, as many as there are posts."),
    )

    objects = RecruitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("recruitment")
        verbose_name_plural = _("recruitments")
        ordering = ["-announced_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(written_weight__gte=0)
                & Q(interview_weight__gte=0)
                & Q(written_weight__lte=100)
                & Q(interview_weight__lte=100),
                name="recruitment_weights_range",
                violation_error_message=_(
                    "The written and interview weights must be between 0 and 100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(posts__gte=1),
                name="recruitment_posts_positive",
                violation_error_message=_("At least one post is needed."),
            ),
            models.CheckConstraint(
                condition=Q(interview_ratio__gte=1),
                name="recruitment_ratio_positive",
                violation_error_message=_("The interview ratio must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.written_weight is not None
            and self.interview_weight is not None
            and self.written_weight + self.interview_weight != HUNDRED
        ):
            raise ValidationError(MSG_WEIGHTS_SUM)

    @property
    def interview_places(self) -> int:
        return self.posts * self.interview_ratio

    def combined_score(self, written, interview) -> Decimal | None:
        if written is None or interview is None:
            return None
        value = (written * self.written_weight + interview * self.interview_weight) / HUNDRED
        return value.quantize(Decimal("0.01"))


class ApplicantQuerySet(ScopedQuerySet):
    scope_village_field = "recruitment__village"


class Applicant(Person):
    """An applicant moving through 资格审查 → 笔试 → 面试 → 综合考查 → 公示 → 录用."""

    class Stage(models.TextChoices):
        APPLIED = "applied", _("applied")
        QUALIFIED = "qualified", _("passed qualification review")
        WRITTEN = "written", _("sat the written test")
        INTERVIEW = "interview", _("selected for interview")
        INTERVIEWED = "interviewed", _("interviewed")
        ASSESSMENT = "assessment", _("selected for assessment")
        ASSESSED = "assessed", _("passed the assessment")
        PUBLICISED = "publicised", _("publicised")
        HIRED = "hired", _("hired")
        STOPPED = "stopped", _("stopped")

    recruitment = models.ForeignKey(
        Recruitment,
        verbose_name=_("recruitment"),
        on_delete=models.PROTECT,
        related_name="applicants",
    )
    education = models.CharField(_("education"), max_length=20, choices=Member.Education)
    school = models.CharField(_("graduate school"), max_length=100, blank=True)
    major = models.CharField(_("major"), max_length=100, blank=True)
    native_place = models.CharField(_("native place"), max_length=100, blank=True)
    xuanzhou_native = models.BooleanField(_("Xuanzhou native"), default=False)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage, default=Stage.APPLIED, db_index=True
    )
    stopped_at = models.CharField(_("stopped at"), max_length=20, choices=Stage, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=300, blank=True)
    written_score = models.DecimalField(
        _("written test score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    interview_score = models.DecimalField(
        _("interview score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    assessment_note = models.CharField(_("assessment note"), max_length=300, blank=True)
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity to"), null=True, blank=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["recruitment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recruitment", "id_number"],
                name="applicant_once_per_recruitment",
                violation_error_message=_(
                    "This ID number has already applied to this recruitment."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(stage="stopped") & ~Q(stop_reason="") & ~Q(stopped_at=""))
                | (~Q(stage="stopped") & Q(stopped_at="")),
                name="applicant_stop_has_reason",
                violation_error_message=_(
                    "A stopped record needs the reason and the stage it stopped at; "
                    "one not stopped has no stage."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.recruitment}）"

    @property
    def combined_score(self) -> Decimal | None:
        return self.recruitment.combined_score(self.written_score, self.interview_score)


class ReserveCadreQuerySet(ScopedQuerySet):
    scope_village_field = "village"


class ReserveCadre(Person):
    """后备干部 of a village; ``status`` mirrors the latest entry of its status history."""

    class Status(models.TextChoices):
        POOL = "pool", _("in the pool")
        APPOINTED = "appointed", _("appointed to a post")
        LEFT = "left", _("left")

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.OneToOneField(
        Applicant,
        verbose_name=_("hired as applicant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reserve_cadre",
    )
    education = models.CharField(_("education"), max_length=20, choices=Member.Education)
    school = models.CharField(_("graduate school"), max_length=100, blank=True)
    recruited_on = models.DateField(_("recruited on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.POOL, editable=False
    )

    objects = ReserveCadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve cadre")
        verbose_name_plural = _("reserve cadres")
        ordering = ["village__name", "-recruited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.village}）"

    def get_absolute_url(self) -> str:
        return reverse("cadres:reserve_detail", args=[self.pk])


class ReserveCadreStatusQuerySet(ScopedQuerySet):
    scope_village_field = "cadre__village"


class ReserveCadreStatus(models.Model):
    """One entry of a reserve cadre's status over time."""

    cadre = models.ForeignKey(
        ReserveCadre,
        verbose_name=_("reserve cadre"),
        on_delete=models.CASCADE,
        related_name="statuses",
    )
    status = models.CharField(_("status"), max_length=20, choices=ReserveCadre.Status)
    since = models.DateField(_("since"))
    post = models.CharField(_("post"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ReserveCadreStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve cadre status")
        verbose_name_plural = _("reserve cadre statuses")
        ordering = ["cadre", "since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "since"],
                name="reserve_status_once_a_day",
                violation_error_message=_(
                    "This reserve cadre already has a status change on this date."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.since} {self.get_status_display()}"


class VillageCadreQuerySet(ScopedQuerySet):
    scope_village_field = "village"


class VillageCadre(Person):
    """村干部: who holds which village post for which term — the people who mentor."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("Party organisation secretary")
        DIRECTOR = "director", _("villagers' committee director")
        DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
        COMMITTEE_MEMBER = "committee_member", _("committee member")
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
            )
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
