"""队伍建设's models, one module per sub-domain, the way a reader looks for them:

- ``groups``: 村民小组, their dated figures and the five pay tiers (五档递增薪酬);
- ``elections``: 两荐一考一选 rounds, candidates and the 村民组长 they elect;
- ``recruitment``: 公开招考, applicants and the 后备干部 they become;
- ``mentoring``: 村干部 and 结对帮带 with its log;
- ``base``: what every person record shares.

Everything is importable from ``cadres.models`` as before.
"""

from .base import (
    HUNDRED,
    MSG_BIRTH_DATE,
    TIER_COUNT,
    Person,
    SubDistrictQuerySet,
)
from .elections import (
    MSG_END_BEFORE_START,
    MSG_VOTES_EXCEED,
    Candidate,
    CandidateQuerySet,
    ElectionRound,
    ElectionRoundQuerySet,
    GroupLeader,
    GroupLeaderQuerySet,
    Step,
    VoteRule,
)
from .groups import (
    MSG_FIRST_TIER_FROM_ZERO,
    MSG_TIER_COUNT,
    MSG_TIERS_INCREASE,
    GroupFigures,
    GroupFiguresQuerySet,
    PayScale,
    PayScaleQuerySet,
    PayTier,
    PayTierQuerySet,
    VillageGroup,
    VillageGroupQuerySet,
    tier_annotations,
    validate_tiers,
)
from .mentoring import (
    MSG_ALREADY_PAIRED,
    MSG_LOG_DATE,
    MSG_LOG_FUTURE,
    MSG_LOG_MENTOR,
    MSG_PAIRING_ENDED,
    MentoringLog,
    MentoringLogQuerySet,
    Pairing,
    PairingQuerySet,
    VillageCadre,
    VillageCadreQuerySet,
)
from .recruitment import (
    EDUCATION_ORDER,
    MSG_WEIGHTS_SUM,
    Applicant,
    ApplicantQuerySet,
    Recruitment,
    RecruitmentQuerySet,
    ReserveCadre,
    ReserveCadreQuerySet,
    ReserveCadreStatus,
    ReserveCadreStatusQuerySet,
)

__all__ = [
    "EDUCATION_ORDER",
    "HUNDRED",
    "MSG_ALREADY_PAIRED",
    "MSG_BIRTH_DATE",
    "MSG_END_BEFORE_START",
    "MSG_FIRST_TIER_FROM_ZERO",
    "MSG_LOG_DATE",
    "MSG_LOG_FUTURE",
    "MSG_LOG_MENTOR",
    "MSG_PAIRING_ENDED",
    "MSG_TIERS_INCREASE",
    "MSG_TIER_COUNT",
    "MSG_VOTES_EXCEED",
    "MSG_WEIGHTS_SUM",
    "TIER_COUNT",
    "Applicant",
    "ApplicantQuerySet",
    "Candidate",
    "CandidateQuerySet",
    "ElectionRound",
    "ElectionRoundQuerySet",
    "GroupFigures",
    "GroupFiguresQuerySet",
    "GroupLeader",
    "GroupLeaderQuerySet",
    "MentoringLog",
    "MentoringLogQuerySet",
    "Pairing",
    "PairingQuerySet",
    "PayScale",
    "PayScaleQuerySet",
    "PayTier",
    "PayTierQuerySet",
    "Person",
    "Recruitment",
    "RecruitmentQuerySet",
    "ReserveCadre",
    "ReserveCadreQuerySet",
    "ReserveCadreStatus",
    "ReserveCadreStatusQuerySet",
    "Step",
    "SubDistrictQuerySet",
    "VillageCadre",
    "VillageCadreQuerySet",
    "VillageGroup",
    "VillageGroupQuerySet",
    "VoteRule",
    "tier_annotations",
    "validate_tiers",
]
