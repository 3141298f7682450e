"""Models whose every change is written to the audit trail (django-auditlog)."""

from auditlog.registry import auditlog

from . import models

auditlog.register(models.Checklist)
auditlog.register(models.Task)
auditlog.register(models.Evidence)
auditlog.register(models.ReportDraft)
