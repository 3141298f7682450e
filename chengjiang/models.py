"""Model blocks every app shares (abstract: no table of their own)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recorded(models.Model):
    """Who entered a record and when: one name for the fact in every app.

    ``recorded_by`` is the acting user of the service that first saved the record
    (``access.acting_user(by)``): nobody (NULL) for ``SYSTEM`` — the demo loader, imports by
    command, data migrations. A user who entered records is never deleted from under them
    (PROTECT). Who reviewed or last changed a record are other facts with their own fields
    (``reviewed_by``, ``updated_by``).
    """

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        abstract = True
