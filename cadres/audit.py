"""Models whose every change is written to the audit trail (django-auditlog)."""

from auditlog.registry import auditlog

from . import models

PERSONAL = ["id_number", "phone"]

auditlog.register(models.VillageGroup)
auditlog.register(models.GroupFigures)
auditlog.register(models.PayScale)
auditlog.register(models.PayTier)
auditlog.register(models.ElectionRound, m2m_fields={"villages"})
auditlog.register(models.Candidate, mask_fields=PERSONAL)
auditlog.register(models.GroupMeeting)
auditlog.register(models.GroupMeetingVote)
auditlog.register(models.VillageCommitteeTerm)
auditlog.register(models.GroupLeader, mask_fields=PERSONAL)
auditlog.register(models.Recruitment)
auditlog.register(models.Applicant, mask_fields=PERSONAL)
auditlog.register(models.ReserveCadre, mask_fields=PERSONAL)
auditlog.register(models.ReserveCadreStatus)
auditlog.register(models.VillageCadre, mask_fields=PERSONAL)
auditlog.register(models.Pairing, m2m_fields={"mentors"})
auditlog.register(models.MentoringLog)
