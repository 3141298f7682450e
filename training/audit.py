"""Models whose every change is written to the audit trail (django-auditlog)."""

from auditlog.registry import auditlog

from . import models

auditlog.register(models.TrainingBase)
auditlog.register(models.Facility)
auditlog.register(models.Course)
# The contact's phone is personal data: the trail records that it changed, not the number.
auditlog.register(models.TrainingClass, mask_fields=["contact_phone"])
auditlog.register(models.Session)
auditlog.register(models.Attendee)
auditlog.register(models.SessionAttendance)
