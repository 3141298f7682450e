"""村民组长 elections (两荐一考一选): election rounds, candidates through the four steps, and the
group leaders they elect.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.models import Member, Village
from chengjiang.access import ScopedQuerySet

from .base import Person, stop_has_reason
from .groups import VillageGroup

MSG_VOTES_EXCEED = _("Votes for cannot exceed the votes cast.")
MSG_END_BEFORE_START = _("The end date cannot be before the start date.")
MSG_PRESENT_EXCEEDS = _("The number present cannot exceed the number who should attend.")

TERM_YEARS = 5  # 《村民委员会组织法》第十三条: 村民委员会每届任期五年


def has_quorum(*, expected: int, present: int) -> bool:
    """《村民委员会组织法》第二十八条: at least two-thirds of those who should attend (the adult
    villagers, or the households' representatives) are present. Integer arithmetic: exactly
    two-thirds is enough (12 of 18), one fewer is not (11 of 18)."""
    return expected > 0 and present * 3 >= expected * 2


def is_majority(*, votes: int, present: int) -> bool:
    """A decision of the group meeting needs more than half of those present: exactly half is
    not enough."""
    return present > 0 and votes * 2 > present


def term_end_from(start: datetime.date, years: int = TERM_YEARS) -> datetime.date:
    """The last day of a term of ``years`` starting on ``start`` (2021-10-08 → 2026-10-07)."""
    try:
        after = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        after = start.replace(year=start.year + years, day=28) + datetime.timedelta(days=1)
    return after - datetime.timedelta(days=1)


class VoteRule(models.TextChoices):
    MAJORITY = "majority", _("more than half of votes cast")
    TWO_THIRDS = "two_thirds", _("at least two-thirds of votes cast")

    @staticmethod
    def passes(rule: str, votes_for: int, votes_cast: int) -> bool:
        if votes_cast <= 0:
            return False
        if rule == VoteRule.TWO_THIRDS:
            return votes_for * 3 >= votes_cast * 2
        return votes_for * 2 > votes_cast


class ElectionRoundQuerySet(ScopedQuerySet):
    scope_village_field = "villages"  # any of its villages shows a round; all of them write it


class ElectionRound(models.Model):
    """One round of 两荐一考一选 for one or more villages."""

    name = models.CharField(_("name"), max_length=100)
    villages = models.ManyToManyField(Village, verbose_name=_("villages"), related_name="+")
    announced_on = models.DateField(_("announced on"))
    pass_mark = models.DecimalField(
        _("exam pass mark"), max_digits=5, decimal_places=1, default=Decimal("60")
    )
    recommendation_rule = models.CharField(
        _("mass recommendation rule"), max_length=20, choices=VoteRule, default=VoteRule.MAJORITY
    )
    election_rule = models.CharField(
        _("election rule"), max_length=20, choices=VoteRule, default=VoteRule.MAJORITY
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))

    objects = ElectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("election round")
        verbose_name_plural = _("election rounds")
        ordering = ["-announced_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")),
                name="round_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": MSG_END_BEFORE_START})


class Step(models.TextChoices):
    """The four steps of 两荐一考一选, in order."""

    QUALIFICATION = "qualification", _("qualification check")
    RECOMMENDATION = "recommendation", _("two recommendations")
    EXAM = "exam", _("exam")
    ELECTION = "election", _("election")


class CandidateQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"

    def for_list(self):
        return self.select_related("round", "group__village")


class Candidate(Person):
    """A candidate for group leader, passing the four steps in order."""

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("registered")
        QUALIFIED = "qualified", pgettext_lazy("candidate stage", "qualified")
        RECOMMENDED = "recommended", _("recommended")
        EXAMINED = "examined", _("passed the exam")
        ELECTED = "elected", _("elected")
        STOPPED = "stopped", _("stopped")

    round = models.ForeignKey(
        ElectionRound,
        verbose_name=_("election round"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage, default=Stage.REGISTERED, db_index=True
    )
    stopped_at = models.CharField(_("stopped at"), max_length=20, choices=Step, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=300, blank=True)
    # 1. qualification: the five conditions
    politically_reliable = models.BooleanField(_("politically reliable"), null=True, blank=True)
    law_abiding = models.BooleanField(_("law-abiding"), null=True, blank=True)
    knows_village = models.BooleanField(_("knows the village"), null=True, blank=True)
    lives_locally = models.BooleanField(_("lives in the village long-term"), null=True, blank=True)
    in_good_health = models.BooleanField(_("in good health"), null=True, blank=True)
    qualification_checked_by = models.CharField(_("checked by"), max_length=50, blank=True)
    qualification_checked_on = models.DateField(_("checked on"), null=True, blank=True)
    # 2. two recommendations
    party_recommended = models.BooleanField(
        _("recommended by the Party organisation"), null=True, blank=True
    )
    mass_votes_for = models.PositiveIntegerField(
        _("mass recommendation votes"), null=True, blank=True
    )
    mass_votes_cast = models.PositiveIntegerField(
        _("mass recommendation votes cast"), null=True, blank=True
    )
    recommended_on = models.DateField(_("recommendations on"), null=True, blank=True)
    # 3. one exam
    exam_score = models.DecimalField(
        _("exam score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    exam_on = models.DateField(_("exam on"), null=True, blank=True)
    # 4. one election
    election_votes_for = models.PositiveIntegerField(_("election votes"), null=True, blank=True)
    election_votes_cast = models.PositiveIntegerField(
        _("election votes cast"), null=True, blank=True
    )
    election_on = models.DateField(_("election on"), null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    QUALIFICATIONS = (
        "politically_reliable",
        "law_abiding",
        "knows_village",
        "lives_locally",
        "in_good_health",
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["round", "group", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "id_number"],
                name="candidate_once_per_round",
                violation_error_message=_(
                    "This ID number is already a candidate in this election round."
                ),
            ),
            stop_has_reason("candidate_stop_has_reason"),
            models.CheckConstraint(
                condition=Q(mass_votes_for__isnull=True)
                | Q(mass_votes_for__lte=F("mass_votes_cast")),
                name="candidate_mass_votes_le_cast",
                violation_error_message=_(
                    "Votes for in the mass recommendation cannot exceed the votes cast."
                ),
            ),
            models.CheckConstraint(
                condition=Q(election_votes_for__isnull=True)
                | Q(election_votes_for__lte=F("election_votes_cast")),
                name="candidate_election_votes_le_cast",
                violation_error_message=_(
                    "Votes for in the election cannot exceed the votes cast."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.group}）"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.mass_votes_for is not None and (self.mass_votes_cast or 0) < self.mass_votes_for:
            errors["mass_votes_for"] = MSG_VOTES_EXCEED
        if (
            self.election_votes_for is not None
            and (self.election_votes_cast or 0) < self.election_votes_for
        ):
            errors["election_votes_for"] = MSG_VOTES_EXCEED
        if errors:
            raise ValidationError(errors)


class GroupLeaderQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"

    def serving(self):
        return self.filter(ended_on__isnull=True)

    def serving_between(self, start: datetime.date, end: datetime.date):
        return self.filter(started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=start)
        )


class VillageCommitteeTermQuerySet(ScopedQuerySet):
    scope_village_field = "village"

    def covering(self, village, date: datetime.date):
        return self.filter(village=village, starts_on__lte=date, ends_on__gte=date)


class VillageCommitteeTerm(models.Model):
    """村民委员会任期: one term of a village's villagers' committee (five years by law). A group
    leader's term is the committee's (《村民委员会组织法》第二十八条): moving this term's end moves
    the end of the terms of the group leaders who took office in it."""

    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="committee_terms",
    )
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(
        _("term ends"),
        blank=True,
        help_text=_("Left empty, five years from the start."),
    )

    objects = VillageCommitteeTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("villagers' committee term")
        verbose_name_plural = _("villagers' committee terms")
        ordering = ["village__name", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "starts_on"],
                name="committee_term_once_per_start",
                violation_error_message=_("This village already has a term starting on this date."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="committee_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.starts_on}—{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and not self.ends_on:
            self.ends_on = term_end_from(self.starts_on)
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": MSG_END_BEFORE_START})


class GroupMeetingQuerySet(ScopedQuerySet):
    scope_village_field = "group__village"

    def for_list(self):
        return self.select_related("round", "group__village", "winner").prefetch_related(
            "votes__candidate"
        )


class GroupMeeting(models.Model):
    """村民小组会议 electing the group leader: one ballot of a round in one group.

    Who should attend (应到: the group's villagers aged 18 and over, or its households'
    representatives) and who did (实到) are recorded; the meeting is valid only with two-thirds
    present (``has_quorum``) and a candidate is elected with more than half of those present
    (``is_majority``). Otherwise — a tie, or nobody over half — the outcome is 另行选举 and the
    next ballot is a further meeting row of the same round and group."""

    class Basis(models.TextChoices):
        ADULTS = "adults", _("villagers aged 18 and over")
        HOUSEHOLDS = "households", _("household representatives")

    class Outcome(models.TextChoices):
        ELECTED = "elected", pgettext_lazy("group meeting outcome", "elected")
        ANOTHER_BALLOT = "another_ballot", _("another ballot")

    round = models.ForeignKey(
        ElectionRound,
        verbose_name=_("election round"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="election_meetings",
    )
    ballot = models.PositiveSmallIntegerField(_("ballot number"), default=1)
    held_on = models.DateField(_("meeting held on"))
    basis = models.CharField(_("who attends"), max_length=20, choices=Basis)
    expected = models.PositiveIntegerField(
        _("number who should attend"), validators=[MinValueValidator(1)]
    )
    present = models.PositiveIntegerField(_("number present"))
    outcome = models.CharField(
        _("election outcome"), max_length=20, choices=Outcome, editable=False
    )
    winner = models.ForeignKey(
        Candidate,
        verbose_name=_("person elected"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = GroupMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")
        ordering = ["round", "group", "ballot"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "group", "ballot"],
                name="group_meeting_ballot_once",
                violation_error_message=_("This ballot has already been recorded."),
            ),
            models.UniqueConstraint(
                fields=["round", "group"],
                condition=Q(outcome="elected"),
                name="group_meeting_one_elected",
                violation_error_message=_(
                    "A leader has already been elected for this group in this round."
                ),
            ),
            models.CheckConstraint(
                condition=Q(present__lte=F("expected")),
                name="group_meeting_present_le_expected",
                violation_error_message=MSG_PRESENT_EXCEEDS,
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(F("present") * 3, F("expected") * 2),
                name="group_meeting_quorum",
                violation_error_message=_(
                    "Fewer than two-thirds of those who should attend are present: the meeting "
                    "is not valid."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(outcome="elected") & Q(winner__isnull=False))
                | (~Q(outcome="elected") & Q(winner__isnull=True)),
                name="group_meeting_winner_iff_elected",
                violation_error_message=_("Only an elected outcome names the person elected."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(group)s, ballot %(ballot)s") % {"group": self.group, "ballot": self.ballot}

    @property
    def quorum(self) -> int:
        """The fewest present for a valid meeting: two-thirds of ``expected``, rounded up."""
        return -(-self.expected * 2 // 3)

    @property
    def majority(self) -> int:
        """The fewest votes that elect: more than half of those present."""
        return self.present // 2 + 1


class GroupMeetingVoteQuerySet(ScopedQuerySet):
    scope_village_field = "meeting__group__village"


class GroupMeetingVote(models.Model):
    """The votes one candidate received at one ballot."""

    meeting = models.ForeignKey(
        GroupMeeting,
        verbose_name=_("group meeting"),
        on_delete=models.CASCADE,
        related_name="votes",
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="meeting_votes",
    )
    votes = models.PositiveIntegerField(_("votes received"))

    objects = GroupMeetingVoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("votes at a ballot")
        verbose_name_plural = _("votes at a ballot")
        ordering = ["meeting", "-votes", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "candidate"],
                name="group_meeting_vote_once",
                violation_error_message=_("This candidate's votes are already recorded."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate.name} {self.votes}"


class GroupLeader(Person):
    """村民组长: who led a group from when to when. At most one serving leader per group."""

    group = models.ForeignKey(
        VillageGroup,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="leaders",
    )
    candidate = models.OneToOneField(
        Candidate,
        verbose_name=_("elected as candidate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("Party member record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The same person's record among the Party members, matched by ID number."),
    )
    started_on = models.DateField(pgettext_lazy("term", "started on"))
    term_end = models.DateField(_("term ends"))
    ended_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("Empty while the leader is serving.")
    )

    objects = GroupLeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("group leader")
        verbose_name_plural = _("group leaders")
        ordering = ["group__village__name", "group", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(ended_on__isnull=True),
                name="one_serving_leader_per_group",
                violation_error_message=_("This group already has a serving leader."),
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(member__isnull=False) & Q(ended_on__isnull=True),
                name="leader_one_serving_record_per_member",
                violation_error_message=_(
                    "This Party member is already linked to a serving group leader."
                ),
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=F("started_on")),
                name="leader_term_end_after_start",
                violation_error_message=_("The end of the term cannot be earlier than its start."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="leader_left_after_start",
                violation_error_message=_(
                    "The date of leaving office cannot be earlier than the start date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.group}）"
