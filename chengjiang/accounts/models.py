from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A portal user. Their organisation's subtree is everything they may see (see access.py)."""

    organization = models.ForeignKey(
        settings.SCOPE_TREE_MODEL,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user sees this organisation and everything under it."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_personal_data", _("Can view full ID numbers and phone numbers")),
        ]


class PersonalDataAccess(models.Model):
    """One full view of a personal value (ID number, phone): who, which record and field, when.

    The value itself is never stored here, nor in any log line (see chengjiang/personal_data.py).
    Rows are written only by ``chengjiang.personal_data.reveal`` and read, never edited, in the
    admin by office staff.
    """

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("user"),
        null=True,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    accessed_at = models.DateTimeField(_("viewed at"), auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("record type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_pk = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=64)
    remote_addr = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    record_count = models.PositiveIntegerField(
        _("records exported"),
        null=True,
        blank=True,
        help_text=_("Set for an export with full values: how many records it held."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data view")
        verbose_name_plural = _("personal data views")
        ordering = ["-accessed_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_pk"])]

    def __str__(self) -> str:
        from chengjiang.labels import field_labels

        fields = field_labels(self.content_type, self.field)
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.user} · {self.object_repr} · {fields}"
