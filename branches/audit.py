"""Models whose every change is written to the audit trail (django-auditlog)."""

from auditlog.registry import auditlog

from . import models

auditlog.register(models.Village)
auditlog.register(models.Organization)
auditlog.register(models.Member, mask_fields=["id_number", "phone"])
auditlog.register(models.SecretaryTerm)
auditlog.register(models.OrgChange)
auditlog.register(models.Meeting)
auditlog.register(models.Attendance)
auditlog.register(models.MeetingAttachment)
auditlog.register(models.Talk)
auditlog.register(models.TalkParticipant)
auditlog.register(models.CadenceRule)
auditlog.register(models.LeadershipTeam)
auditlog.register(models.LeadershipTeamMember)
auditlog.register(models.DemocraticAppraisal)
