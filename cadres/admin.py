"""Admin of 队伍建设, in Chinese and scoped: rows, choices and imports pass ``visible_to(user)``.

The steps of an election and of a recruitment are recorded by cadres.services (through the
imports and the admin actions below); their step fields are read-only here, so no form can skip
a step or type a tier, a combined score or a rank.

Each step action (qualification check, two recommendations; 资格审查, 综合考查, 公示, 录用) opens a
small form page for the selected records, the way Django's delete confirmation does. The step is
recorded through the service for every selected record or for none: a refusal is shown on the
form, in Chinese, with what was typed. Actions act only on rows of ``get_queryset(request)``
(the user's scope) and need the change permission (office staff).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chengjiang import services as shared_services
from chengjiang.admin import (
    CleanTextAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
    formset_outcome,
)
from chengjiang.admin_actions import form_then_act
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .models import (
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
    VillageCadre,
    VillageCommitteeTerm,
    VillageGroup,
    validate_tiers,
)
from .resources import ApplicantScoreResource, CandidateResultResource, GroupFiguresResource
from .selectors import TIE_BREAK_RULE, applicants_for_office


def _message_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- step actions: a small form page, then the service for every selected record or none -------

MSG_ONE_GROUP = _("Select the candidates of one group in one election round.")
MSG_LINKED = _("%(count)s record(s) linked to the Party member record.")


def _today():
    return timezone.localdate()


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _yes_no_field(label, yes, no):
    """A required yes/no choice (radio buttons): nothing is assumed when it is left out."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("1", yes), ("0", no)],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


def _condition_field(name):
    return _yes_no_field(Candidate._meta.get_field(name).verbose_name, _("met"), _("not met"))


QualificationForm = type(
    "QualificationForm",
    (forms.Form,),
    {
        **{name: _condition_field(name) for name in Candidate.QUALIFICATIONS},
        "checked_on": _date_field(_("checked on"), initial=_today),
    },
)


class RecommendationsForm(forms.Form):
    party_recommended = _yes_no_field(
        _("Party organisation's recommendation"),
        pgettext_lazy("Party organisation's answer", "recommended"),
        _("not recommended"),
    )
    votes_for = forms.IntegerField(label=_("mass recommendation votes"), min_value=0)
    votes_cast = forms.IntegerField(label=_("mass recommendation votes cast"), min_value=0)
    on = _date_field(_("recommendations on"), initial=_today)


class GroupMeetingForm(forms.Form):
    held_on = _date_field(_("meeting held on"), initial=_today)
    basis = forms.ChoiceField(label=_("who attends"), choices=GroupMeeting.Basis.choices)
    expected = forms.IntegerField(label=_("number who should attend"), min_value=1)
    present = forms.IntegerField(label=_("number present"), min_value=0)


class ReviewForm(forms.Form):
    passed = _yes_no_field(_("qualification review"), _("passed"), _("not passed"))
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the review is not passed."),
    )


class AssessForm(forms.Form):
    passed = _yes_no_field(_("comprehensive assessment"), _("passed"), _("not passed"))
    note = forms.CharField(
        label=_("assessment note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the assessment is not passed."),
    )


class PublicityForm(forms.Form):
    start = _date_field(_("publicity start"))
    end = _date_field(_("publicity end"))


class HireForm(forms.Form):
    on = _date_field(_("hired on"), initial=_today)


def _with_stage(obj) -> str:
    stage = getattr(obj, "get_stage_display", None)
    return f"{obj}（{stage()}）" if stage else str(obj)


def _checker(user) -> str:
    return (user.get_full_name() or user.get_username())[:50]


# --- groups and pay -----------------------------------------------------------------------------


class GroupFiguresInline(ScopedTabularInline):
    model = GroupFigures
    fields = ("effective_from", "population", "households", "area_mu", "duties", "workload")


@admin.register(VillageGroup)
class VillageGroupAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "note")
    list_filter = ("village",)
    search_fields = ("name", "village__name")
    inlines = [GroupFiguresInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")

    def save_model(self, request, obj, form, change):
        services.group_save(group=obj, by=request.user)


@admin.register(GroupFigures)
class GroupFiguresAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [GroupFiguresResource]
    list_display = ("group", "effective_from", "population", "households", "workload")
    list_filter = ("group__village",)
    search_fields = ("group__name",)
    date_hierarchy = "effective_from"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group__village")


class PayTierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tiers = [
            PayTier(**{k: f.cleaned_data.get(k) for k in PAY_TIER_FIELDS})
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        validate_tiers(tiers)


PAY_TIER_FIELDS = ("level", "population_min", "workload_min", "monthly_allowance")


class PayTierInline(CleanTextAdminMixin, admin.TabularInline):
    model = PayTier
    formset = PayTierFormSet
    fields = PAY_TIER_FIELDS
    extra = 5
    max_num = 5


@admin.register(PayScale)
class PayScaleAdmin(ScopedModelAdmin):
    list_display = ("name", "effective_from", "note")
    inlines = [PayTierInline]


# --- elections ----------------------------------------------------------------------------------


@admin.register(ElectionRound)
class ElectionRoundAdmin(ScopedModelAdmin):
    list_display = ("name", "announced_on", "pass_mark", "term_start", "term_end")
    # 一选 is decided by the law (more than half of those present), not by a rule of the round
    exclude = ("election_rule",)
    filter_horizontal = ("villages",)


@admin.register(Candidate)
class CandidateAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [CandidateResultResource]
    list_display = ("name", "group", "round", "stage", "stopped_at", "stop_reason")
    list_filter = ("round", "stage", "stopped_at", "group__village")
    search_fields = ("name", "group__name")
    STEP_FIELDS = (
        "stage",
        "stopped_at",
        "stop_reason",
        *Candidate.QUALIFICATIONS,
        "qualification_checked_by",
        "qualification_checked_on",
        "party_recommended",
        "mass_votes_for",
        "mass_votes_cast",
        "recommended_on",
        "exam_score",
        "exam_on",
        "election_votes_for",
        "election_votes_cast",
        "election_on",
    )
    readonly_fields = (*STEP_FIELDS, "masked_id_number")
    fieldsets = (
        (
            None,
            {"fields": ("round", "group", "name", "gender", "birth_date", "id_number", "phone")},
        ),
        (_("Steps"), {"fields": STEP_FIELDS}),
    )
    actions = ["qualification_action", "recommendations_action", "meeting_action", "withdraw"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("round", "group__village")

    @admin.action(description=_("Record the qualification check"), permissions=["change"])
    def qualification_action(self, request, queryset):
        checker = _checker(request.user)
        return form_then_act(
            self,
            request,
            queryset,
            form_class=QualificationForm,
            title=gettext("Qualification check"),
            intro=gettext(
                "Record the five conditions for the candidates below. A candidate who does not "
                "meet one of them stops at this step."
            ),
            notes=[gettext("Checked by: %(name)s") % {"name": checker}],
            describe=_with_stage,
            act=lambda c, d: services.candidate_check_qualification(
                candidate=c,
                conditions={name: d[name] for name in Candidate.QUALIFICATIONS},
                checked_by=checker,
                checked_on=d["checked_on"],
                by=request.user,
            ),
        )

    @admin.action(description=_("Record the two recommendations"), permissions=["change"])
    def recommendations_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=RecommendationsForm,
            title=gettext("Two recommendations"),
            intro=gettext(
                "Record the Party organisation's recommendation and the mass recommendation for "
                "the candidate below. The round's rule decides whether the votes suffice."
            ),
            one_at_a_time=True,
            describe=_with_stage,
            act=lambda c, d: services.candidate_record_recommendations(
                candidate=c,
                party_recommended=d["party_recommended"],
                votes_for=d["votes_for"],
                votes_cast=d["votes_cast"],
                on=d["on"],
                by=request.user,
            ),
        )

    @admin.action(description=_("Record a ballot of the group meeting"), permissions=["change"])
    def meeting_action(self, request, queryset):
        """一选: one ballot of the 村民小组会议 for the selected candidates of one group."""
        objects = list(queryset)
        if len({(c.round_id, c.group_id) for c in objects}) != 1:
            messages.warning(request, MSG_ONE_GROUP)
            return None
        first = objects[0]
        form_class = type(
            "GroupMeetingForm",
            (GroupMeetingForm,),
            {
                f"votes_{c.pk}": forms.IntegerField(
                    label=gettext("votes for %(name)s") % {"name": c.name}, min_value=0
                )
                for c in objects
            },
        )

        def record(candidate, data):
            if candidate.pk != first.pk:  # one ballot for all the selected candidates
                return None
            services.group_meeting_record(
                round=first.round,
                group=first.group,
                held_on=data["held_on"],
                basis=data["basis"],
                expected=data["expected"],
                present=data["present"],
                votes={c: data[f"votes_{c.pk}"] for c in objects},
                by=request.user,
            )

        return form_then_act(
            self,
            request,
            queryset,
            form_class=form_class,
            title=gettext("Group meeting"),
            intro=gettext(
                "Record one ballot of the group meeting for the candidates below. The meeting "
                "is valid only with at least two-thirds of those who should attend present; a "
                "candidate is elected with more than half of those present. Otherwise the "
                "outcome is another ballot."
            ),
            describe=_with_stage,
            act=record,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.STEP_FIELDS)
        if obj is not None:
            fields += ["round", "group", "id_number"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:  # the steps are read-only here: what is left is checked by the model
            super().save_model(request, obj, form, change)
            return
        created = services.candidate_register(
            by=request.user,
            round=obj.round,
            group=obj.group,
            name=obj.name,
            gender=obj.gender,
            id_number=obj.id_number,
            phone=obj.phone,
        )
        obj.pk = created.pk

    @admin.action(description=_("Stop the selected candidates (withdrawn)"))
    def withdraw(self, request, queryset):
        for candidate in queryset:
            try:
                services.candidate_withdraw(
                    candidate=candidate, reason=str(_("withdrew")), by=request.user
                )
            except ValidationError as exc:
                _message_errors(request, exc)


class GroupMeetingVoteInline(ScopedTabularInline):
    model = GroupMeetingVote
    fields = ("candidate", "votes")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GroupMeeting)
class GroupMeetingAdmin(ScopedModelAdmin):
    """Ballots are recorded by ``group_meeting_record`` (the candidates' action); read here."""

    list_display = (
        "group",
        "round",
        "ballot",
        "held_on",
        "basis",
        "expected",
        "present",
        "outcome",
        "winner",
    )
    list_filter = ("round", "outcome", "group__village")
    inlines = [GroupMeetingVoteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("round", "group__village", "winner")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VillageCommitteeTerm)
class VillageCommitteeTermAdmin(ScopedModelAdmin):
    list_display = ("village", "starts_on", "ends_on")
    list_filter = ("village",)

    def save_model(self, request, obj, form, change):
        services.village_committee_term_save(term=obj, by=request.user)


def _member_display(obj):
    member = obj.member
    if member is None:
        return "—"
    return f"{member.name}（{member.branch}）"


class PersonLinkMixin:
    """The Party member record is matched by ID number (``link_person``), never picked by hand."""

    @admin.display(description=_("Party member record"))
    def member_record(self, obj):
        return _member_display(obj)

    @admin.action(description=_("Link to the Party member record by ID number"))
    def link_person_action(self, request, queryset):
        linked = 0
        for person in queryset:
            try:
                if services.link_person(person=person, by=request.user) is not None:
                    linked += 1
            except ValidationError as exc:
                _message_errors(request, exc)
        messages.success(request, gettext(MSG_LINKED) % {"count": linked})


@admin.register(GroupLeader)
class GroupLeaderAdmin(PersonLinkMixin, ScopedModelAdmin):
    list_display = ("name", "group", "member_record", "started_on", "term_end", "ended_on")
    list_filter = ("group__village", "ended_on")
    search_fields = ("name", "group__name")
    exclude = ("member",)
    readonly_fields = ("candidate", "member_record")
    actions = ["link_person_action"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group__village", "member__branch")

    def save_model(self, request, obj, form, change):
        services.leader_save(leader=obj, by=request.user)


# --- recruitment --------------------------------------------------------------------------------


@admin.register(Recruitment)
class RecruitmentAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "announced_on", "posts", "interview_ratio")
    list_filter = ("village",)
    readonly_fields = ("ranking",)
    actions = ["select_interviewees", "select_for_assessment"]

    def save_model(self, request, obj, form, change):
        services.recruitment_save(recruitment=obj, by=request.user)

    @admin.display(description=_("ranking"))
    def ranking(self, obj):
        from django.template.loader import render_to_string

        if obj is None or obj.pk is None:
            return ""
        return render_to_string(
            "cadres/_ranking.html",
            {"rows": applicants_for_office(obj), "tie_break_rule": TIE_BREAK_RULE},
        )

    @admin.action(description=_("Select interviewees by written score"))
    def select_interviewees(self, request, queryset):
        for rec in queryset:
            try:
                services.recruitment_select_interviewees(recruitment=rec, by=request.user)
            except ValidationError as exc:
                _message_errors(request, exc)

    @admin.action(description=_("Select for assessment by combined score"))
    def select_for_assessment(self, request, queryset):
        for rec in queryset:
            try:
                services.recruitment_select_for_assessment(recruitment=rec, by=request.user)
            except ValidationError as exc:
                _message_errors(request, exc)


@admin.register(Applicant)
class ApplicantAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [ApplicantScoreResource]
    list_display = (
        "name",
        "recruitment",
        "education",
        "xuanzhou_native",
        "written_score",
        "interview_score",
        "combined",
        "stage",
        "stop_reason",
    )
    list_filter = ("recruitment", "stage", "xuanzhou_native")
    search_fields = ("name",)
    STEP_FIELDS = (
        "stage",
        "stopped_at",
        "stop_reason",
        "written_score",
        "interview_score",
        "assessment_note",
        "publicity_start",
        "publicity_end",
        "hired_on",
    )

    actions = ["review_action", "assess_action", "publicise_action", "hire_action"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recruitment")

    @admin.action(description=_("Record the qualification review"), permissions=["change"])
    def review_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=ReviewForm,
            title=gettext("Qualification review"),
            intro=gettext(
                "Record the qualification review of the applicants below. The age limit and "
                "the education are checked from the record."
            ),
            describe=_with_stage,
            act=lambda a, d: services.applicant_review(
                applicant=a, passed=d["passed"], reason=d["reason"], by=request.user
            ),
        )

    @admin.action(description=_("Record the comprehensive assessment"), permissions=["change"])
    def assess_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=AssessForm,
            title=gettext("Comprehensive assessment"),
            intro=gettext("Record the comprehensive assessment of the applicants below."),
            describe=_with_stage,
            act=lambda a, d: services.applicant_assess(
                applicant=a, passed=d["passed"], note=d["note"], by=request.user
            ),
        )

    @admin.action(description=_("Record the publicity period"), permissions=["change"])
    def publicise_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=PublicityForm,
            title=gettext("Publicity"),
            intro=gettext("Record the publicity period of the applicants below."),
            describe=_with_stage,
            act=lambda a, d: services.applicant_publicise(
                applicant=a, start=d["start"], end=d["end"], by=request.user
            ),
        )

    @admin.action(description=_("Hire (after the publicity period)"), permissions=["change"])
    def hire_action(self, request, queryset):
        return form_then_act(
            self,
            request,
            queryset,
            form_class=HireForm,
            title=gettext("Hiring"),
            intro=gettext(
                "Hire the applicants below; each becomes a reserve cadre of the village."
            ),
            describe=_with_stage,
            act=lambda a, d: services.applicant_hire(applicant=a, on=d["on"], by=request.user),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.STEP_FIELDS)
        if obj is not None:
            fields += ["recruitment", "id_number"]
        return fields

    @admin.display(description=_("combined score"))
    def combined(self, obj):
        return obj.combined_score

    def save_model(self, request, obj, form, change):
        if change:  # the steps are read-only here: what is left is checked by the model
            super().save_model(request, obj, form, change)
        else:
            services.applicant_register(applicant=obj, by=request.user)


# --- reserve cadres, village cadres, mentoring --------------------------------------------------


class ReserveCadreStatusInline(ScopedTabularInline):
    model = ReserveCadreStatus
    fields = ("status", "since", "post", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReserveCadre)
class ReserveCadreAdmin(PersonLinkMixin, ScopedModelAdmin):
    list_display = ("name", "village", "member_record", "education", "recruited_on", "status")
    list_filter = ("village", "status")
    search_fields = ("name",)
    exclude = ("member",)
    readonly_fields = ("applicant", "status", "member_record")
    inlines = [ReserveCadreStatusInline]
    actions = ["link_person_action"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village", "member__branch")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.reserve_cadre_add(
            by=request.user,
            village=obj.village,
            name=obj.name,
            gender=obj.gender,
            id_number=obj.id_number,
            phone=obj.phone,
            education=obj.education,
            school=obj.school,
            recruited_on=obj.recruited_on,
        )
        obj.pk = created.pk


@admin.register(VillageCadre)
class VillageCadreAdmin(PersonLinkMixin, ScopedModelAdmin):
    list_display = ("name", "village", "post", "member_record", "term_start", "term_end")
    list_filter = ("village", "post")
    search_fields = ("name",)
    exclude = ("member",)
    readonly_fields = ("member_record",)
    actions = ["link_person_action"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village", "member__branch")

    def save_model(self, request, obj, form, change):
        services.village_cadre_save(cadre=obj, by=request.user)


class MentoringLogInline(ScopedTabularInline):
    model = MentoringLog
    fields = ("date", "mentor", "content")


class PairingAdminForm(forms.ModelForm):
    """The mentors are chosen here; ``services.pairing_save`` checks them with the pairing."""

    class Meta:
        model = Pairing
        fields = (
            "reserve_cadre",
            "mentors",
            "mode",
            "started_on",
            "ended_on",
            "goals",
            "assessment",
            "assessment_note",
        )


@admin.register(Pairing)
class PairingAdmin(ScopedModelAdmin):
    form = PairingAdminForm
    list_display = ("reserve_cadre", "mode", "started_on", "ended_on", "assessment")
    list_filter = ("mode", "assessment", "reserve_cadre__village")
    filter_horizontal = ("mentors",)
    inlines = [MentoringLogInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reserve_cadre__village")

    def save_model(self, request, obj, form, change):
        """The pairing and its mentors together, under the rules of ``pairing_create``."""
        data = getattr(form, "cleaned_data", None) or {}
        mentors = data["mentors"] if "mentors" in data else list(obj.mentors.all())
        services.pairing_save(pairing=obj, mentors=mentors, by=request.user)

    def save_related(self, request, form, formsets, change):
        # the mentors were set by pairing_save; only the log entries are left
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        objects = formset_outcome(formset)
        for obj in formset.deleted_objects:
            shared_services.record_delete(record=obj, by=request.user)
        for obj in objects:
            services.mentoring_log_save(log=obj, by=request.user)


@admin.register(MentoringLog)
class MentoringLogAdmin(ScopedModelAdmin):
    list_display = ("date", "pairing", "mentor")
    list_filter = ("pairing__reserve_cadre__village",)

    def save_model(self, request, obj, form, change):
        services.mentoring_log_save(log=obj, by=request.user)
