"""The annual checklist (年度重点工作任务清单), its tasks, evidence, and the year-end summary's
saved wording.

A task is either bound to a measure (``measure_key`` + ``measure_params`` + ``target``: its value
is computed from the records, never typed in) or, only where no record can show it, manual
(``manual_status`` with attached evidence). The database refuses a task that is both or neither.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chengjiang.access import ScopedQuerySet
from chengjiang.models import Recorded

MSG_MEASURE_OR_MANUAL = _("A task is either bound to a measure with a target, or manual: not both.")
MSG_NEEDS_TARGET = _("A task bound to a measure needs a target greater than zero.")
MSG_NEEDS_MEASURE_OR_MANUAL = _("Choose a measure, or mark the task as manual with its status.")
MSG_UNKNOWN_MEASURE = _("No measure is registered under the key “%(key)s”.")
MSG_UNKNOWN_PARAM = _("The measure “%(key)s” takes no parameter “%(param)s”.")
MSG_BAD_PARAM_VALUE = _("“%(value)s” is not a valid value of the parameter “%(param)s”.")
MSG_PARAMS_NOT_OBJECT = _('The measure parameters must be a JSON object, e.g. {"kind": "..."}.')
MSG_WEIGHT = _("The weight must be greater than zero.")


class Line(models.TextChoices):
    """The three lines of work (三个坚持)."""

    ORGANIZATION = "organization", _("Organisation building")
    TEAM = "team", _("Team building")
    POSITION = "position", _("Position building")


class ManualStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


# The share of a manual task counted as done, by status (shown on the dashboard).
MANUAL_SHARE = {
    ManualStatus.NOT_STARTED: 0,
    ManualStatus.IN_PROGRESS: 50,
    ManualStatus.DONE: 100,
}


class ChecklistQuerySet(ScopedQuerySet):
    """A checklist is the district's document: every signed-in user with a scope may read it."""

    scope_whole_tree = True


class Checklist(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    issued_by = models.CharField(_("issued by"), max_length=100, default="区委组织部")
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("work-task checklist")
        verbose_name_plural = _("work-task checklists")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"《{self.title}》"

    def get_absolute_url(self) -> str:
        return reverse("worktasks:dashboard") + f"?year={self.year}"


class TaskQuerySet(ScopedQuerySet):
    """Tasks are scoped by the responsible organisation's subtree, and also shown to users below
    it (a task the sub-district is responsible for applies to each village, computed there)."""

    scope_field = "responsible"
    scope_applies_down = True


class Task(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="tasks"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    line = models.CharField(_("line of work"), max_length=20, choices=Line)
    title = models.CharField(pgettext_lazy("task", "title"), max_length=200)
    description = models.TextField(pgettext_lazy("task", "description"), blank=True)
    responsible = models.ForeignKey(
        settings.SCOPE_TREE_MODEL,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="worktasks",
    )
    deadline = models.DateField(_("deadline"))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    measure_key = models.CharField(_("measure"), max_length=100, blank=True)
    measure_params = models.JSONField(_("measure parameters"), default=dict, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    manual_status = models.CharField(
        _("manual status"), max_length=20, choices=ManualStatus, blank=True
    )
    manual_note = models.TextField(_("manual status note"), blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    not_applicable_reason = models.CharField(_("why not applicable"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("work task")
        verbose_name_plural = _("work tasks")
        ordering = ["checklist", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "number"],
                name="task_number_unique",
                violation_error_message=_("This checklist already has a task with this number."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="task_weight_positive",
                violation_error_message=_("The weight must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=(Q(measure_key="", target__isnull=True) & ~Q(manual_status=""))
                | (~Q(measure_key="") & Q(target__gt=0, manual_status="")),
                name="task_measure_xor_manual",
                violation_error_message=_(
                    "A task is either measured, with a target above zero, "
                    "or assessed by hand, with a status; not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_manual(self) -> bool:
        return not self.measure_key

    def clean(self) -> None:
        from chengjiang import measures

        errors: dict[str, list] = {}
        if self.weight is not None and self.weight <= 0:
            errors.setdefault("weight", []).append(MSG_WEIGHT)
        if self.measure_key and self.manual_status:
            errors.setdefault("manual_status", []).append(MSG_MEASURE_OR_MANUAL)
        elif not self.measure_key and not self.manual_status:
            errors.setdefault("measure_key", []).append(MSG_NEEDS_MEASURE_OR_MANUAL)
        if self.measure_key:
            if self.target is None or self.target <= 0:
                errors.setdefault("target", []).append(MSG_NEEDS_TARGET)
            registry = measures.REGISTRY
            m = registry.get(self.measure_key)
            if m is None:
                errors.setdefault("measure_key", []).append(
                    MSG_UNKNOWN_MEASURE % {"key": self.measure_key}
                )
            elif not isinstance(self.measure_params, dict):
                errors.setdefault("measure_params", []).append(MSG_PARAMS_NOT_OBJECT)
            else:
                for name, value in self.measure_params.items():
                    if name not in m.params:
                        errors.setdefault("measure_params", []).append(
                            MSG_UNKNOWN_PARAM % {"key": self.measure_key, "param": name}
                        )
                    elif not param_value_ok(m.params[name], value):
                        errors.setdefault("measure_params", []).append(
                            MSG_BAD_PARAM_VALUE % {"value": value, "param": name}
                        )
        else:
            if self.target is not None:
                errors.setdefault("target", []).append(MSG_MEASURE_OR_MANUAL)
            if self.measure_params:
                errors.setdefault("measure_params", []).append(MSG_MEASURE_OR_MANUAL)
        if errors:
            raise ValidationError(errors)


def param_values(choices) -> list[str] | None:
    """The allowed values of a measure parameter (None: any value)."""
    if isinstance(choices, type) and hasattr(choices, "values"):  # a TextChoices class
        return [str(v) for v in choices.values]
    if isinstance(choices, dict):
        return [str(k) for k in choices]
    return None


def param_label(choices, value) -> str:
    if choices is None:
        return str(value)
    if isinstance(choices, type) and hasattr(choices, "choices"):
        return str(dict(choices.choices).get(value, value))
    if isinstance(choices, dict):
        return str(choices.get(value, value))
    return str(value)


def param_value_ok(choices, value) -> bool:
    allowed = param_values(choices)
    return allowed is None or str(value) in allowed


def evidence_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"worktasks/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class EvidenceQuerySet(ScopedQuerySet):
    scope_field = "task__responsible"
    scope_applies_down = True  # shown wherever its task is


class Evidence(Recorded):
    """A file attached to a manual task to show its status."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(pgettext_lazy("file", "content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["task", "pk"]

    def __str__(self) -> str:
        return self.description or self.original_name

    def get_absolute_url(self) -> str:
        return reverse("worktasks:evidence_download", args=[self.pk])


class Section(models.TextChoices):
    """The parts of the year-end summary, in the report's own order."""

    OPENING = "opening", _("Opening")
    ORGANIZATION = "organization", _("Strengthening organisation building")
    TEAM = "team", _("Strengthening team building")
    POSITION = "position", _("Strengthening position building")


class ReportDraftQuerySet(ScopedQuerySet):
    scope_field = "scope"


class ReportDraft(models.Model):
    """The office's wording of the year-end summary for a year and a scope.

    The text holds placeholders such as ``{branches.meetings:kind=democratic_life}``; the figures
    are computed from the measures every time the report is shown or downloaded.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    scope = models.ForeignKey(
        settings.SCOPE_TREE_MODEL,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    opening = models.TextField(_("opening"))
    organization = models.TextField(_("organisation building"))
    team = models.TextField(_("team building"))
    position = models.TextField(_("position building"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReportDraftQuerySet.as_manager()

    class Meta:
        verbose_name = _("year-end summary wording")
        verbose_name_plural = _("year-end summary wordings")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope"],
                name="report_draft_unique",
                violation_error_message=_("A report draft for this year and scope already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.scope}"

    def get_absolute_url(self) -> str:
        return reverse("worktasks:report", args=[self.year]) + f"?org={self.scope_id}"

    def sections(self) -> dict[str, str]:
        return {s.value: getattr(self, s.value) for s in Section}


class MonthlyFigureQuerySet(ScopedQuerySet):
    scope_field = "organization"


class MonthlyFigure(models.Model):
    """A summarised measure: the count of its records per organisation and calendar month.

    ``own`` counts the organisation's own records, ``total`` those of its whole subtree (its own
    plus every organisation below it), so a figure for any scope and period is a sum over at
    most twelve rows. Kept current on every write of the records, in the same transaction
    (``summary``); ``manage.py rebuild_summaries`` recomputes everything from the records.
    Derived data: not audited, never edited by hand.
    """

    measure_key = models.CharField(max_length=100)
    params = models.CharField(max_length=200)  # selectors.params_key of the parameters
    # No database constraint: millions of derived rows are written in bulk, and checking each
    # against the tree costs more than the write; Django still deletes them with their
    # organisation (CASCADE).
    organization = models.ForeignKey(
        "branches.Organization", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    own = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    objects = MonthlyFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["measure_key", "params", "organization", "year", "month"],
                name="worktasks_monthlyfigure_unique",
                violation_error_message=_("This figure is already summarised for that month."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} {self.params} {self.organization_id} {self.year}-{self.month}"


class SummaryStateQuerySet(ScopedQuerySet):
    """The summary's own state: no organisation, never shown to a user."""

    scope_whole_tree = True


class SummaryState(models.Model):
    """One row once the monthly summary is complete (built by ``rebuild_summaries`` or from an
    empty database); without it every figure is computed from the records."""

    key = models.CharField(max_length=20, unique=True, default="built")
    built_at = models.DateTimeField(default=timezone.now)

    objects = SummaryStateQuerySet.as_manager()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.key} {self.built_at:%Y-%m-%d %H:%M}"
