"""A job: one run of long work for one person (who, what, how far, and how it ended)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chengjiang.access import ScopedQuerySet


class JobQuerySet(ScopedQuerySet):
    """A job belongs to the organisation of the person who started it: it is seen, like any
    record, within that scope (its file holds no more than its starter could see, and never full
    personal data: such exports are made in the request, with their reason recorded). A job of
    nobody's organisation (the system's) is seen by superusers only."""

    scope_field = "organization"


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    organization = models.ForeignKey(
        settings.SCOPE_TREE_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("result file name"), max_length=200, blank=True)
    result_type = models.CharField(_("result content type"), max_length=120, blank=True)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_owner_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                name="job_done_within_total",
                violation_error_message=_("The progress cannot exceed the total."),
            )
        ]

    def __str__(self):
        from .registry import kind_label

        return f"{kind_label(self.kind)} #{self.pk}"

    def get_absolute_url(self):
        return reverse("jobs:detail", kwargs={"pk": self.pk})

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
