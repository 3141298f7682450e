"""后备干部: open recruitment (公开招考) with its applicants, and the reserve cadres it hires.

An applicant's combined score and rank come from the recruitment's weights
(``cadres.selectors.rank_applicants``), never typed in.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Village
from chengjiang.access import ScopedQuerySet

from .base import HUNDRED, Person, stop_has_reason

MSG_WEIGHTS_SUM = _("The weights of the written test and the interview must add up to 100.")


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
            stop_has_reason("applicant_stop_has_reason"),
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
    member = models.ForeignKey(
        Member,
        verbose_name=_("Party member record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The same person's record among the Party members, matched by ID number."),
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
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(member__isnull=False),
                name="reserve_cadre_one_record_per_member",
                violation_error_message=_(
                    "This Party member is already linked to a reserve cadre."
                ),
            )
        ]

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
