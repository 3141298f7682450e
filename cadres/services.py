"""Writes of 队伍建设. Views, forms, admin and imports call these; nothing else saves records.

Every function is keyword-only, runs in one transaction and calls ``full_clean()`` before saving;
the audit trail is written by django-auditlog on each save. Refusals are ``ValidationError``s
whose messages are the ``MSG_*`` constants below.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chengjiang.access import acting_user, check_write_scope

from .models import (
    EDUCATION_ORDER,
    MSG_ALREADY_PAIRED,
    MSG_LOG_DATE,
    MSG_LOG_MENTOR,  # noqa: F401 (named by callers and tests)
    MSG_PAIRING_ENDED,  # noqa: F401 (named by callers and tests)
    Applicant,
    Candidate,
    ElectionRound,
    GroupFigures,
    GroupLeader,
    GroupMeeting,
    GroupMeetingVote,
    MentoringLog,
    Pairing,
    PayScale,
    PayTier,
    Recruitment,
    ReserveCadre,
    ReserveCadreStatus,
    Step,
    VillageCadre,
    VillageCommitteeTerm,
    VillageGroup,
    VoteRule,
    has_quorum,
    is_majority,
    term_end_from,
    validate_tiers,
)

Stage = Candidate.Stage
AStage = Applicant.Stage

# Refusals, as constants the tests can name.
MSG_FUTURE_DATE = _("The date cannot be in the future.")
MSG_GROUP_NOT_IN_ROUND = _("The group's village is not part of this election round.")
MSG_STEP_ORDER = _("The %(step)s cannot be recorded before the step before it is passed.")
MSG_STEP_DONE = _("The %(step)s has already been recorded for this candidate.")
MSG_CANDIDATE_STOPPED = _("This candidate has stopped; no further step can be recorded.")
MSG_CONDITIONS_MISSING = _("Record all five conditions as met or not met.")
MSG_CHECKED_BY = _("Name the person who checked the qualification.")
MSG_VOTES_EXCEED = _("Votes for cannot exceed the votes cast.")
MSG_NO_VOTES_CAST = _("Enter the number of votes cast.")
MSG_SCORE_RANGE = _("A score lies between 0 and 100.")
MSG_GROUP_ALREADY_ELECTED = _("A leader has already been elected for this group in this round.")
MSG_LEADER_OVERLAP = _("The group's serving leader started after this date.")
MSG_WITHDRAW_REASON = _("Give the reason for stopping.")
MSG_ALREADY_FINISHED = _("This record has already finished its steps.")
MSG_TIERS_MISSING = _("A pay scale has exactly five tiers, numbered 1 to 5.")

# 村民小组会议 (《村民委员会组织法》第二十八条)
MSG_NO_QUORUM = _(
    "The group meeting is not valid: %(present)s present of %(expected)s who should attend, "
    "fewer than two-thirds (at least %(quorum)s). Its result cannot be recorded."
)
MSG_PRESENT_EXCEEDS = _("The number present cannot exceed the number who should attend.")
MSG_NO_EXPECTED = _("Enter the number who should attend.")
MSG_NO_CANDIDATES = _("Enter the votes of at least one candidate.")
MSG_NOT_A_FINALIST = _(
    "%(name)s is not a candidate of this group who has passed the exam in this round."
)
MSG_BALLOT_VOTES_EXCEED = _("The votes together cannot exceed the number present.")
MSG_NEGATIVE_VOTES = _("Votes cannot be negative.")
MSG_TERM_OVERLAP = _("This term overlaps another term of the village's committee.")
# one person, one record
MSG_MEMBER_ID_MISMATCH = _("The Party member record has another ID number: it is not this person.")

MSG_STAGE = _("This step needs the applicant to be at the stage “%(stage)s”.")
MSG_WRITTEN_PENDING = _("Record every qualified applicant's written test score first.")
MSG_INTERVIEW_PENDING = _("Record every interviewee's interview score first.")
MSG_NOTHING_TO_SELECT = _("There are no applicants at this stage.")
MSG_PUBLICITY_DATES = _("The publicity period must end on or after its start.")
MSG_PUBLICITY_NOT_OVER = _("The applicant can be hired only after the publicity period ends.")
MSG_REASON_REQUIRED = _("Give the reason.")

MSG_MENTOR_COUNT_ONE = _("A one-to-one pairing has exactly one mentor.")
MSG_MENTOR_COUNT_MANY = _("A many-to-one pairing has at least two mentors.")
MSG_MENTOR_VILLAGE = _("%(name)s is not a village cadre of the reserve cadre's village.")
MSG_MENTOR_NOT_SERVING = _("%(name)s does not hold a village post on the start date.")
MSG_CADRE_LEFT = _("This reserve cadre has left the pool.")
MSG_ASSESSMENT_REQUIRED = _("Give the end-of-pairing assessment.")
MSG_STATUS_ORDER = _("A status change must be dated after the current status.")

# Stop reasons, written into the record in the user's language when the step is recorded.
REASON_QUALIFICATION = _("Did not meet the qualification: %(conditions)s.")
REASON_PARTY = _("Not recommended by the Party organisation.")
REASON_MASS = _("Mass recommendation %(votes_for)s of %(votes_cast)s votes; the rule is %(rule)s.")
REASON_EXAM = _("Exam score %(score)s below the pass mark %(pass_mark)s.")
REASON_NOT_ELECTED = _(
    "Group meeting ballot %(ballot)s: %(votes)s votes of %(present)s present; %(winner)s was "
    "elected."
)
REASON_AGE = _("Older than the age limit of %(limit)s.")
REASON_EDUCATION = _("Education below the required %(education)s.")
REASON_ABSENT_WRITTEN = _("Absent from the written test.")
REASON_ABSENT_INTERVIEW = _("Absent from the interview.")
REASON_NOT_INTERVIEW = _(
    "Written score ranked %(rank)s; only the top %(places)s (1:%(ratio)s) are interviewed."
)
REASON_NOT_ASSESSMENT = _(
    "Combined score %(score)s ranked %(rank)s; %(posts)s post(s) go to assessment."
)
REASON_ASSESSMENT = _("Did not pass the comprehensive assessment: %(note)s")
REASON_PUBLICITY = _("Objection upheld during publicity: %(note)s")

NEXT_STEP = {
    Stage.REGISTERED: Step.QUALIFICATION,
    Stage.QUALIFIED: Step.RECOMMENDATION,
    Stage.RECOMMENDED: Step.EXAM,
    Stage.EXAMINED: Step.ELECTION,
}


def _check_not_future(date: datetime.date) -> None:
    if date > timezone.localdate():
        raise ValidationError(MSG_FUTURE_DATE)


def _save(obj):
    if isinstance(obj, VillageCadre | GroupLeader | ReserveCadre):
        _check_member(obj)
    obj.full_clean()
    obj.save()
    return obj


# --- groups and pay -----------------------------------------------------------------------------


@transaction.atomic
def group_save(*, by, group: VillageGroup) -> VillageGroup:
    check_write_scope(by, group)
    return _save(group)


@transaction.atomic
def group_figures_set(
    *,
    by,
    group: VillageGroup,
    effective_from: datetime.date,
    population: int,
    households: int,
    workload: int,
    area_mu: Decimal | None = None,
    duties: str = "",
) -> GroupFigures:
    """A group's figures from ``effective_from`` on (replaces a row of the same date)."""
    check_write_scope(by, group)
    figures = GroupFigures.objects.filter(group=group, effective_from=effective_from).first()
    figures = figures or GroupFigures(group=group, effective_from=effective_from)
    figures.population = population
    figures.households = households
    figures.workload = workload
    figures.area_mu = area_mu
    figures.duties = duties
    return _save(figures)


@dataclass(frozen=True)
class TierSpec:
    level: int
    population_min: int
    workload_min: int
    monthly_allowance: Decimal


@transaction.atomic
def pay_scale_create(
    *, by, name: str, effective_from: datetime.date, tiers: Sequence[TierSpec], note: str = ""
) -> PayScale:
    """A new scale in force from ``effective_from``; earlier scales stay as history."""
    scale = PayScale(name=name, effective_from=effective_from, note=note)
    check_write_scope(by, scale)
    scale.full_clean()
    rows = [
        PayTier(
            level=t.level,
            population_min=t.population_min,
            workload_min=t.workload_min,
            monthly_allowance=Decimal(t.monthly_allowance),
        )
        for t in tiers
    ]
    validate_tiers(rows)
    scale.save()
    for row in rows:
        row.scale = scale
        _save(row)
    return scale


# --- elections (两荐一考一选) ---------------------------------------------------------------------


@transaction.atomic
def election_round_create(
    *,
    by,
    name: str,
    villages: Iterable,
    announced_on: datetime.date,
    term_start: datetime.date,
    term_end: datetime.date,
    pass_mark: Decimal = Decimal("60"),
    recommendation_rule: str = VoteRule.MAJORITY,
    election_rule: str = VoteRule.MAJORITY,
) -> ElectionRound:
    villages = list(villages)
    check_write_scope(by, *villages)
    election = _save(
        ElectionRound(
            name=name,
            announced_on=announced_on,
            term_start=term_start,
            term_end=term_end,
            pass_mark=pass_mark,
            recommendation_rule=recommendation_rule,
            election_rule=election_rule,
        )
    )
    election.villages.set(villages)
    return election


@transaction.atomic
def candidate_register(
    *,
    by,
    round: ElectionRound,
    group: VillageGroup,
    name: str,
    gender: str,
    id_number: str,
    phone: str = "",
) -> Candidate:
    candidate = Candidate(
        round=round, group=group, name=name, gender=gender, id_number=id_number, phone=phone
    )
    check_write_scope(by, candidate)
    if not round.villages.filter(pk=group.village_id).exists():
        raise ValidationError(MSG_GROUP_NOT_IN_ROUND)
    return _save(candidate)


def _lock(candidate: Candidate) -> Candidate:
    """Re-read the candidate under a row lock, so two clerks cannot record a step twice."""
    return (
        Candidate.objects.select_for_update().select_related("round", "group").get(pk=candidate.pk)
    )


def _require_step(candidate: Candidate, step: Step) -> None:
    if candidate.stage == Stage.STOPPED:
        raise ValidationError(MSG_CANDIDATE_STOPPED)
    expected = NEXT_STEP.get(candidate.stage)
    if expected is None:
        raise ValidationError(MSG_ALREADY_FINISHED)
    order = list(Step.values)
    if order.index(step) < order.index(expected):
        raise ValidationError(MSG_STEP_DONE % {"step": Step(step).label})
    if step != expected:
        raise ValidationError(MSG_STEP_ORDER % {"step": Step(step).label})


def _stop(record, *, at: str, reason: str) -> None:
    record.stage = record.Stage.STOPPED
    record.stopped_at = at
    record.stop_reason = str(reason)[:300]


@transaction.atomic
def candidate_check_qualification(
    *,
    by,
    candidate: Candidate,
    conditions: Mapping[str, bool],
    checked_by: str,
    checked_on: datetime.date,
) -> Candidate:
    """Step 1: the five conditions, each met or not; a candidate failing one stops here."""
    candidate = _lock(candidate)
    check_write_scope(by, candidate)
    _require_step(candidate, Step.QUALIFICATION)
    if set(conditions) != set(Candidate.QUALIFICATIONS) or any(
        v is None for v in conditions.values()
    ):
        raise ValidationError(MSG_CONDITIONS_MISSING)
    if not checked_by.strip():
        raise ValidationError(MSG_CHECKED_BY)
    _check_not_future(checked_on)
    for field, met in conditions.items():
        setattr(candidate, field, bool(met))
    candidate.qualification_checked_by = checked_by.strip()
    candidate.qualification_checked_on = checked_on
    failed = [
        str(Candidate._meta.get_field(f).verbose_name)
        for f in Candidate.QUALIFICATIONS
        if not conditions[f]
    ]
    if failed:
        _stop(
            candidate,
            at=Step.QUALIFICATION,
            reason=gettext(REASON_QUALIFICATION) % {"conditions": "、".join(failed)},
        )
    else:
        candidate.stage = Stage.QUALIFIED
    return _save(candidate)


def _check_votes(votes_for: int, votes_cast: int) -> None:
    if votes_cast is None or votes_cast <= 0:
        raise ValidationError(MSG_NO_VOTES_CAST)
    if votes_for is None or votes_for < 0 or votes_for > votes_cast:
        raise ValidationError(MSG_VOTES_EXCEED)


@transaction.atomic
def candidate_record_recommendations(
    *,
    by,
    candidate: Candidate,
    party_recommended: bool,
    votes_for: int,
    votes_cast: int,
    on: datetime.date,
) -> Candidate:
    """Step 2: the Party organisation's recommendation and the mass recommendation."""
    candidate = _lock(candidate)
    check_write_scope(by, candidate)
    _require_step(candidate, Step.RECOMMENDATION)
    _check_votes(votes_for, votes_cast)
    _check_not_future(on)
    candidate.party_recommended = bool(party_recommended)
    candidate.mass_votes_for = votes_for
    candidate.mass_votes_cast = votes_cast
    candidate.recommended_on = on
    rule = candidate.round.recommendation_rule
    if not party_recommended:
        _stop(candidate, at=Step.RECOMMENDATION, reason=gettext(REASON_PARTY))
    elif not VoteRule.passes(rule, votes_for, votes_cast):
        _stop(
            candidate,
            at=Step.RECOMMENDATION,
            reason=gettext(REASON_MASS)
            % {"votes_for": votes_for, "votes_cast": votes_cast, "rule": VoteRule(rule).label},
        )
    else:
        candidate.stage = Stage.RECOMMENDED
    return _save(candidate)


@transaction.atomic
def candidate_record_exam(
    *, by, candidate: Candidate, score: Decimal, on: datetime.date
) -> Candidate:
    """Step 3: the exam score against the round's pass mark."""
    candidate = _lock(candidate)
    check_write_scope(by, candidate)
    _require_step(candidate, Step.EXAM)
    score = Decimal(score)
    if score < 0 or score > 100:
        raise ValidationError(MSG_SCORE_RANGE)
    _check_not_future(on)
    candidate.exam_score = score
    candidate.exam_on = on
    if score < candidate.round.pass_mark:
        _stop(
            candidate,
            at=Step.EXAM,
            reason=gettext(REASON_EXAM) % {"score": score, "pass_mark": candidate.round.pass_mark},
        )
    else:
        candidate.stage = Stage.EXAMINED
    return _save(candidate)


@transaction.atomic
def group_meeting_record(
    *,
    by,
    round: ElectionRound,
    group: VillageGroup,
    held_on: datetime.date,
    basis: str,
    expected: int,
    present: int,
    votes: Mapping[Candidate, int],
) -> GroupMeeting:
    """Step 4, 一选, as the law runs it: one ballot of the 村民小组会议 (《村民委员会组织法》
    第二十八条). The only way to record an election: a candidate's votes alone, without the
    meeting's 应到 and 实到, elect nobody.

    The meeting is valid only when at least two-thirds of those who should attend are present
    (``has_quorum``); an invalid meeting's result is refused. A candidate with more than half of
    those present (``is_majority``) is elected and takes office; the other candidates of the
    ballot stop. With nobody over half — a tie included — the outcome is 另行选举 (another
    ballot): the candidates stay and the next call records ballot 2 of the same round and group.
    """
    check_write_scope(by, group)
    VillageGroup.objects.select_for_update().filter(pk=group.pk).first()
    if not round.villages.filter(pk=group.village_id).exists():
        raise ValidationError(MSG_GROUP_NOT_IN_ROUND)
    if GroupMeeting.objects.filter(
        round=round, group=group, outcome=GroupMeeting.Outcome.ELECTED
    ).exists():
        raise ValidationError(MSG_GROUP_ALREADY_ELECTED)
    if not expected or expected <= 0:
        raise ValidationError(MSG_NO_EXPECTED)
    if present is None or present < 0 or present > expected:
        raise ValidationError(MSG_PRESENT_EXCEEDS)
    if not has_quorum(expected=expected, present=present):
        quorum = -(-expected * 2 // 3)
        raise ValidationError(
            MSG_NO_QUORUM % {"present": present, "expected": expected, "quorum": quorum}
        )
    _check_not_future(held_on)
    if not votes:
        raise ValidationError(MSG_NO_CANDIDATES)
    finalists = {
        c.pk: c
        for c in Candidate.objects.select_for_update().filter(
            round=round, group=group, pk__in=[c.pk for c in votes]
        )
    }
    for c, n in votes.items():
        found = finalists.get(c.pk)
        if found is None:
            raise ValidationError(MSG_NOT_A_FINALIST % {"name": c.name})
        _require_step(found, Step.ELECTION)
        if n is None or n < 0:
            raise ValidationError(MSG_NEGATIVE_VOTES)
    if sum(votes.values()) > present:
        raise ValidationError(MSG_BALLOT_VOTES_EXCEED)
    ballot = GroupMeeting.objects.filter(round=round, group=group).count() + 1
    elected = [c for c, n in votes.items() if is_majority(votes=n, present=present)]
    # votes together never exceed those present, so at most one candidate is over half
    winner = finalists[elected[0].pk] if elected else None
    meeting = _save(
        GroupMeeting(
            round=round,
            group=group,
            ballot=ballot,
            held_on=held_on,
            basis=basis,
            expected=expected,
            present=present,
            outcome=GroupMeeting.Outcome.ELECTED if winner else GroupMeeting.Outcome.ANOTHER_BALLOT,
            winner=winner,
        )
    )
    for c, n in votes.items():
        _save(GroupMeetingVote(meeting=meeting, candidate=finalists[c.pk], votes=n))
    if winner is None:
        return meeting
    for c, n in votes.items():
        record = finalists[c.pk]
        record.election_votes_for = n
        record.election_votes_cast = present
        record.election_on = held_on
        if record is winner:
            record.stage = Stage.ELECTED
        else:
            _stop(
                record,
                at=Step.ELECTION,
                reason=gettext(REASON_NOT_ELECTED)
                % {"ballot": ballot, "votes": n, "present": present, "winner": winner.name},
            )
        _save(record)
    leader_take_office(
        by=by,
        group=group,
        name=winner.name,
        gender=winner.gender,
        id_number=winner.id_number,
        phone=winner.phone,
        started_on=max(held_on, round.term_start),
        term_end=round.term_end,
        candidate=winner,
    )
    return meeting


@transaction.atomic
def candidate_withdraw(*, by, candidate: Candidate, reason: str) -> Candidate:
    """A candidate stops (e.g. withdraws) at the step they would take next; the reason stays."""
    candidate = _lock(candidate)
    check_write_scope(by, candidate)
    if candidate.stage == Stage.STOPPED:
        raise ValidationError(MSG_CANDIDATE_STOPPED)
    step = NEXT_STEP.get(candidate.stage)
    if step is None:
        raise ValidationError(MSG_ALREADY_FINISHED)
    if not reason.strip():
        raise ValidationError(MSG_WITHDRAW_REASON)
    _stop(candidate, at=step, reason=reason.strip())
    return _save(candidate)


@transaction.atomic
def leader_take_office(
    *,
    by,
    group: VillageGroup,
    name: str,
    gender: str,
    id_number: str,
    started_on: datetime.date,
    term_end: datetime.date | None = None,
    phone: str = "",
    candidate: Candidate | None = None,
) -> GroupLeader:
    """A leader takes office; the serving leader (if any) leaves the day before.

    The term is the villagers' committee's (《村民委员会组织法》第二十八条): it ends when the
    village's committee term in force on ``started_on`` ends (``_leader_term_end``); ``term_end``
    is used only where no committee term is recorded. The leader is linked to the same person's
    Party member record, if any (``link_person``).

    The group row is locked first, so two concurrent appointments to one group queue up; the
    partial unique index ``one_serving_leader_per_group`` stands behind it in any case.
    """
    check_write_scope(by, group)
    VillageGroup.objects.select_for_update().filter(pk=group.pk).first()
    current = GroupLeader.objects.serving().filter(group=group).first()
    if current is not None:
        if current.started_on >= started_on:
            raise ValidationError(MSG_LEADER_OVERLAP)
        current.ended_on = started_on - datetime.timedelta(days=1)
        _save(current)
    leader = GroupLeader(
        group=group,
        candidate=candidate,
        name=name,
        gender=gender,
        id_number=id_number,
        phone=phone,
        started_on=started_on,
        term_end=_leader_term_end(group.village, started_on, fallback=term_end),
    )
    leader.member = _matching_member(leader, by)
    return _save(leader)


def _leader_term_end(village, started_on: datetime.date, *, fallback=None) -> datetime.date:
    """A group leader's term ends with the village committee's term in force on ``started_on``;
    without one recorded, on ``fallback``, else five years on (``term_end_from``)."""
    term = VillageCommitteeTerm.objects.covering(village, started_on).order_by("-starts_on").first()
    if term is not None:
        return term.ends_on
    return fallback or term_end_from(started_on)


@transaction.atomic
def village_committee_term_save(*, by, term: VillageCommitteeTerm) -> VillageCommitteeTerm:
    """A villagers' committee term (five years from its start unless an end is given). The group
    leaders of the village who took office within it get its end as the end of their term, so
    changing the village's term moves theirs."""
    check_write_scope(by, term)
    term.full_clean()
    overlapping = VillageCommitteeTerm.objects.filter(
        village=term.village, starts_on__lte=term.ends_on, ends_on__gte=term.starts_on
    ).exclude(pk=term.pk)
    if overlapping.exists():
        raise ValidationError(MSG_TERM_OVERLAP)
    term.save()
    leaders = GroupLeader.objects.filter(
        group__village=term.village, started_on__gte=term.starts_on, started_on__lte=term.ends_on
    ).exclude(term_end=term.ends_on)
    for leader in leaders:
        leader.term_end = term.ends_on
        _save(leader)
    return term


# --- one person, one record ---------------------------------------------------------------------


def _matching_member(person, by):
    """The Party member with the person's ID number among those ``by`` may see, or None (IDs
    are unique among members; a member out of scope reads as no member)."""
    from branches.models import Member
    from chengjiang.personal_data import normalize_id_number

    id_number = normalize_id_number(person.id_number or "")
    if not id_number:
        return None
    return Member.objects.visible_to(by).filter(id_number=id_number).first()


def _check_member(person) -> None:
    from chengjiang.personal_data import normalize_id_number

    if person.member_id is not None and normalize_id_number(
        person.member.id_number
    ) != normalize_id_number(person.id_number or ""):
        raise ValidationError({"member": MSG_MEMBER_ID_MISMATCH})


@transaction.atomic
def link_person(*, by, person):
    """One person, one record: link a 村干部, 村民组长 or 后备干部 to the Party member record with
    the same ID number (or unlink it when there is none). Returns the member or None."""
    check_write_scope(by, person)
    person.member = _matching_member(person, by)
    _save(person)
    return person.member


@transaction.atomic
def link_people(*, by, village=None) -> int:
    """``link_person`` for every unlinked cadre, leader and reserve cadre (of a village); the
    number linked."""
    linked = 0
    for model, route in (
        (VillageCadre, "village"),
        (GroupLeader, "group__village"),
        (ReserveCadre, "village"),
    ):
        rows = model.objects.filter(member__isnull=True)
        if village is not None:
            rows = rows.filter(**{route: village})
        for person in rows:
            if _matching_member(person, by) is not None:
                link_person(by=by, person=person)
                linked += 1
    return linked


@transaction.atomic
def leader_save(*, by, leader: GroupLeader) -> GroupLeader:
    """A leader entered or edited by hand (the admin): the term still ends with the village
    committee's term (``_leader_term_end``) and the person is linked to a Party member record."""
    check_write_scope(by, leader)
    leader.term_end = _leader_term_end(
        leader.group.village, leader.started_on, fallback=leader.term_end
    )
    if leader.member_id is None:
        leader.member = _matching_member(leader, by)
    return _save(leader)


@transaction.atomic
def leader_leave(*, by, leader: GroupLeader, on: datetime.date) -> GroupLeader:
    check_write_scope(by, leader)
    leader.ended_on = on
    return _save(leader)


# --- recruitment (公开招考) ----------------------------------------------------------------------


@transaction.atomic
def recruitment_save(*, by, recruitment: Recruitment) -> Recruitment:
    check_write_scope(by, recruitment)
    return _save(recruitment)


@transaction.atomic
def applicant_register(*, by, applicant: Applicant) -> Applicant:
    check_write_scope(by, applicant)
    applicant.stage = AStage.APPLIED
    return _save(applicant)


def _lock_applicant(applicant: Applicant) -> Applicant:
    return Applicant.objects.select_for_update().select_related("recruitment").get(pk=applicant.pk)


def _require_stage(applicant: Applicant, stage: str) -> None:
    if applicant.stage != stage:
        raise ValidationError(MSG_STAGE % {"stage": AStage(stage).label})


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@transaction.atomic
def applicant_review(*, by, applicant: Applicant, passed: bool, reason: str = "") -> Applicant:
    """资格审查: the age limit and education are checked from the record; the rest by the office."""
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.APPLIED)
    rec = applicant.recruitment
    if applicant.birth_date and _age_on(applicant.birth_date, rec.announced_on) > rec.age_limit:
        _stop(applicant, at=AStage.QUALIFIED, reason=gettext(REASON_AGE) % {"limit": rec.age_limit})
    elif EDUCATION_ORDER.index(applicant.education) < EDUCATION_ORDER.index(rec.min_education):
        _stop(
            applicant,
            at=AStage.QUALIFIED,
            reason=gettext(REASON_EDUCATION) % {"education": rec.get_min_education_display()},
        )
    elif passed:
        applicant.stage = AStage.QUALIFIED
    else:
        if not reason.strip():
            raise ValidationError(MSG_REASON_REQUIRED)
        _stop(applicant, at=AStage.QUALIFIED, reason=reason.strip())
    return _save(applicant)


def _check_score(score) -> Decimal | None:
    if score is None or score == "":
        return None
    score = Decimal(score)
    if score < 0 or score > 100:
        raise ValidationError(MSG_SCORE_RANGE)
    return score


@transaction.atomic
def applicant_record_written(*, by, applicant: Applicant, score: Decimal | None) -> Applicant:
    """笔试: the written score; no score means absent, and the applicant stops."""
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.QUALIFIED)
    score = _check_score(score)
    if score is None:
        _stop(applicant, at=AStage.WRITTEN, reason=gettext(REASON_ABSENT_WRITTEN))
    else:
        applicant.written_score = score
        applicant.stage = AStage.WRITTEN
    return _save(applicant)


@transaction.atomic
def recruitment_select_interviewees(*, by, recruitment: Recruitment) -> list[Applicant]:
    """面试 places: the top posts × ratio by written score; ties at the line all go through."""
    from .selectors import rank_by_written

    check_write_scope(by, recruitment)
    applicants = list(
        Applicant.objects.select_for_update().filter(recruitment=recruitment).order_by("pk")
    )
    if any(a.stage == AStage.QUALIFIED for a in applicants):
        raise ValidationError(MSG_WRITTEN_PENDING)
    sat = [a for a in applicants if a.stage == AStage.WRITTEN]
    if not sat:
        raise ValidationError(MSG_NOTHING_TO_SELECT)
    places = recruitment.interview_places
    selected = []
    for applicant, rank in rank_by_written(sat):
        applicant.recruitment = recruitment
        if rank <= places:
            applicant.stage = AStage.INTERVIEW
            selected.append(applicant)
        else:
            _stop(
                applicant,
                at=AStage.INTERVIEW,
                reason=gettext(REASON_NOT_INTERVIEW)
                % {"rank": rank, "places": places, "ratio": recruitment.interview_ratio},
            )
        _save(applicant)
    return selected


@transaction.atomic
def applicant_record_interview(*, by, applicant: Applicant, score: Decimal | None) -> Applicant:
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.INTERVIEW)
    score = _check_score(score)
    if score is None:
        _stop(applicant, at=AStage.INTERVIEWED, reason=gettext(REASON_ABSENT_INTERVIEW))
    else:
        applicant.interview_score = score
        applicant.stage = AStage.INTERVIEWED
    return _save(applicant)


@transaction.atomic
def recruitment_select_for_assessment(*, by, recruitment: Recruitment) -> list[Applicant]:
    """综合考查: as many as there are posts, by combined score and the stated tie-break rule."""
    from .selectors import rank_by_combined

    check_write_scope(by, recruitment)
    applicants = list(
        Applicant.objects.select_for_update().filter(recruitment=recruitment).order_by("pk")
    )
    if any(a.stage == AStage.INTERVIEW for a in applicants):
        raise ValidationError(MSG_INTERVIEW_PENDING)
    interviewed = [a for a in applicants if a.stage == AStage.INTERVIEWED]
    if not interviewed:
        raise ValidationError(MSG_NOTHING_TO_SELECT)
    for a in interviewed:
        a.recruitment = recruitment
    selected = []
    for applicant, rank in rank_by_combined(interviewed):
        if rank <= recruitment.posts:
            applicant.stage = AStage.ASSESSMENT
            selected.append(applicant)
        else:
            _stop(
                applicant,
                at=AStage.ASSESSMENT,
                reason=gettext(REASON_NOT_ASSESSMENT)
                % {"score": applicant.combined_score, "rank": rank, "posts": recruitment.posts},
            )
        _save(applicant)
    return selected


@transaction.atomic
def applicant_assess(*, by, applicant: Applicant, passed: bool, note: str = "") -> Applicant:
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.ASSESSMENT)
    applicant.assessment_note = note.strip()
    if passed:
        applicant.stage = AStage.ASSESSED
    else:
        if not note.strip():
            raise ValidationError(MSG_REASON_REQUIRED)
        _stop(applicant, at=AStage.ASSESSED, reason=gettext(REASON_ASSESSMENT) % {"note": note})
    return _save(applicant)


@transaction.atomic
def applicant_publicise(
    *, by, applicant: Applicant, start: datetime.date, end: datetime.date
) -> Applicant:
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.ASSESSED)
    if end < start:
        raise ValidationError(MSG_PUBLICITY_DATES)
    applicant.publicity_start = start
    applicant.publicity_end = end
    applicant.stage = AStage.PUBLICISED
    return _save(applicant)


@transaction.atomic
def applicant_hire(*, by, applicant: Applicant, on: datetime.date) -> ReserveCadre:
    """录用: after the publicity period the applicant becomes a reserve cadre of the village."""
    applicant = _lock_applicant(applicant)
    check_write_scope(by, applicant)
    _require_stage(applicant, AStage.PUBLICISED)
    if on <= applicant.publicity_end:
        raise ValidationError(MSG_PUBLICITY_NOT_OVER)
    _check_not_future(on)
    applicant.stage = AStage.HIRED
    applicant.hired_on = on
    _save(applicant)
    return reserve_cadre_add(
        by=by,
        village=applicant.recruitment.village,
        name=applicant.name,
        gender=applicant.gender,
        id_number=applicant.id_number,
        phone=applicant.phone,
        education=applicant.education,
        school=applicant.school,
        recruited_on=on,
        applicant=applicant,
    )


# --- reserve cadres, village cadres, mentoring --------------------------------------------------


@transaction.atomic
def reserve_cadre_add(
    *,
    by,
    village,
    name: str,
    gender: str,
    id_number: str,
    education: str,
    recruited_on: datetime.date,
    phone: str = "",
    school: str = "",
    applicant: Applicant | None = None,
) -> ReserveCadre:
    cadre = ReserveCadre(
        village=village,
        name=name,
        gender=gender,
        id_number=id_number,
        phone=phone,
        education=education,
        school=school,
        recruited_on=recruited_on,
        applicant=applicant,
    )
    check_write_scope(by, cadre)
    cadre.member = _matching_member(cadre, by)
    _save(cadre)
    reserve_cadre_set_status(
        cadre=cadre, status=ReserveCadre.Status.POOL, since=recruited_on, by=by
    )
    return cadre


@transaction.atomic
def reserve_cadre_set_status(
    *, by, cadre: ReserveCadre, status: str, since: datetime.date, post: str = "", note: str = ""
) -> ReserveCadreStatus:
    """A new entry in the cadre's status over time; the cadre's current status follows it."""
    check_write_scope(by, cadre)
    latest = cadre.statuses.order_by("-since").first()
    if latest is not None and since <= latest.since:
        raise ValidationError(MSG_STATUS_ORDER)
    entry = _save(ReserveCadreStatus(cadre=cadre, status=status, since=since, post=post, note=note))
    cadre.status = status
    cadre.save(update_fields=["status"])
    return entry


@transaction.atomic
def village_cadre_save(*, by, cadre: VillageCadre) -> VillageCadre:
    """A village post-holder; one who is a Party member is linked to that record (by ID)."""
    check_write_scope(by, cadre)
    if cadre.member_id is None:
        cadre.member = _matching_member(cadre, by)
    return _save(cadre)


@transaction.atomic
def pairing_create(
    *,
    by,
    reserve_cadre: ReserveCadre,
    mentors: Sequence[VillageCadre],
    mode: str,
    started_on: datetime.date,
    goals: str = "",
) -> Pairing:
    """结对帮带: one mentor (一对一) or several (多对一), serving cadres of the same village."""
    pairing = Pairing(reserve_cadre=reserve_cadre, mode=mode, started_on=started_on, goals=goals)
    return pairing_save(pairing=pairing, mentors=mentors, by=by)


@transaction.atomic
def pairing_save(*, by, pairing: Pairing, mentors: Sequence[VillageCadre]) -> Pairing:
    """A pairing created or edited (the admin) under the rules of ``pairing_create``: the
    mentors fit the mode and serve in the cadre's village on the start date, a cadre who left
    gets no new pairing, and a cadre has one open pairing at most (a database constraint too).
    """
    check_write_scope(by, pairing)
    mentors = list(dict.fromkeys(mentors))
    check_write_scope(by, *mentors)
    cadre = pairing.reserve_cadre
    if pairing.mode == Pairing.Mode.ONE_TO_ONE and len(mentors) != 1:
        raise ValidationError(MSG_MENTOR_COUNT_ONE)
    if pairing.mode == Pairing.Mode.MANY_TO_ONE and len(mentors) < 2:
        raise ValidationError(MSG_MENTOR_COUNT_MANY)
    if pairing.pk is None and cadre.status == ReserveCadre.Status.LEFT:
        raise ValidationError(MSG_CADRE_LEFT)
    for mentor in mentors:
        if mentor.village_id != cadre.village_id:
            raise ValidationError(MSG_MENTOR_VILLAGE % {"name": mentor.name})
        start = pairing.started_on
        if mentor.term_start > start or (mentor.term_end and mentor.term_end < start):
            raise ValidationError(MSG_MENTOR_NOT_SERVING % {"name": mentor.name})
    ReserveCadre.objects.select_for_update().filter(pk=cadre.pk).first()  # one writer a cadre
    if (
        pairing.ended_on is None
        and Pairing.objects.filter(reserve_cadre=cadre, ended_on__isnull=True)
        .exclude(pk=pairing.pk)
        .exists()
    ):
        raise ValidationError(MSG_ALREADY_PAIRED)
    if pairing.ended_on is not None and not pairing.assessment:
        raise ValidationError(MSG_ASSESSMENT_REQUIRED)
    _save(pairing)
    pairing.mentors.set(mentors)
    return pairing


@transaction.atomic
def pairing_end(
    *, by, pairing: Pairing, ended_on: datetime.date, assessment: str, note: str = ""
) -> Pairing:
    check_write_scope(by, pairing)
    if not assessment:
        raise ValidationError(MSG_ASSESSMENT_REQUIRED)
    if ended_on < pairing.started_on:
        raise ValidationError(MSG_LOG_DATE)
    pairing.ended_on = ended_on
    pairing.assessment = assessment
    pairing.assessment_note = note
    return _save(pairing)


@transaction.atomic
def mentoring_log_add(
    *,
    by,
    pairing: Pairing,
    date: datetime.date,
    content: str,
    mentor: VillageCadre | None = None,
) -> MentoringLog:
    log = MentoringLog(pairing=pairing, date=date, content=content, mentor=mentor)
    return mentoring_log_save(log=log, by=by)


@transaction.atomic
def mentoring_log_save(*, by, log: MentoringLog) -> MentoringLog:
    """An entry added or edited: within its pairing, not after today, by one of its mentors
    (``MentoringLog.clean()`` holds the rules, so every form and import meets them too)."""
    check_write_scope(by, log)
    if log.pk is None and log.recorded_by_id is None:
        log.recorded_by = acting_user(by)
    return _save(log)
