"""Admin of 队伍建设, in Chinese and scoped: rows, choices and imports pass ``visible_to(user)``.

The steps of an election and of a recruitment are recorded by cadres.services (through the
imports and the admin actions below); their step fields are read-only here, so no form can skip
a step or type a tier, a combined score or a rank.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chengjiang.admin import ScopedModelAdmin, ScopedTabularInline
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .models import (
    Applicant,
    Candidate,
    ElectionRound,
    GroupFigures,
    GroupLeader,
    MentoringLog,
    Pairing,
    PayScale,
    PayTier,
    Recruitment,
    ReserveCadre,
    ReserveCadreStatus,
    VillageCadre,
    VillageGroup,
    validate_tiers,
)
from .resources import ApplicantScoreResource, CandidateResultResource, GroupFiguresResource
from .selectors import TIE_BREAK_RULE, applicants_for_office


def _message_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


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


class PayTierInline(admin.TabularInline):
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
    list_display = ("name", "announced_on", "pass_mark", "election_rule", "term_start", "term_end")
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
    actions = ["withdraw"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("round", "group__village")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.STEP_FIELDS)
        if obj is not None:
            fields += ["round", "group", "id_number"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.candidate_register(
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
                services.candidate_withdraw(candidate=candidate, reason=str(_("withdrew")))
            except ValidationError as exc:
                _message_errors(request, exc)


@admin.register(GroupLeader)
class GroupLeaderAdmin(ScopedModelAdmin):
    list_display = ("name", "group", "started_on", "term_end", "ended_on")
    list_filter = ("group__village", "ended_on")
    search_fields = ("name", "group__name")
    readonly_fields = ("candidate",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group__village")


# --- recruitment --------------------------------------------------------------------------------


@admin.register(Recruitment)
class RecruitmentAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "announced_on", "posts", "interview_ratio")
    list_filter = ("village",)
    readonly_fields = ("ranking",)
    actions = ["select_interviewees", "select_for_assessment"]

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
                services.recruitment_select_interviewees(recruitment=rec)
            except ValidationError as exc:
                _message_errors(request, exc)

    @admin.action(description=_("Select for assessment by combined score"))
    def select_for_assessment(self, request, queryset):
        for rec in queryset:
            try:
                services.recruitment_select_for_assessment(recruitment=rec)
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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recruitment")

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.STEP_FIELDS)
        if obj is not None:
            fields += ["recruitment", "id_number"]
        return fields

    @admin.display(description=_("combined score"))
    def combined(self, obj):
        return obj.combined_score

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.applicant_register(applicant=obj)


# --- reserve cadres, village cadres, mentoring --------------------------------------------------


class ReserveCadreStatusInline(ScopedTabularInline):
    model = ReserveCadreStatus
    fields = ("status", "since", "post", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReserveCadre)
class ReserveCadreAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "education", "recruited_on", "status")
    list_filter = ("village", "status")
    search_fields = ("name",)
    readonly_fields = ("applicant", "status")
    inlines = [ReserveCadreStatusInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.reserve_cadre_add(
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
class VillageCadreAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "post", "term_start", "term_end")
    list_filter = ("village", "post")
    search_fields = ("name",)


class MentoringLogInline(ScopedTabularInline):
    model = MentoringLog
    fields = ("date", "mentor", "content")


class PairingAdminForm(forms.ModelForm):
    """The pairing rules of ``services.pairing_create``, for pairings edited in the admin."""

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

    def clean(self):
        data = super().clean()
        mentors = list(data.get("mentors") or [])
        mode, cadre = data.get("mode"), data.get("reserve_cadre")
        if mode == Pairing.Mode.ONE_TO_ONE and len(mentors) != 1:
            raise ValidationError(services.MSG_MENTOR_COUNT_ONE)
        if mode == Pairing.Mode.MANY_TO_ONE and len(mentors) < 2:
            raise ValidationError(services.MSG_MENTOR_COUNT_MANY)
        for mentor in mentors:
            if cadre is not None and mentor.village_id != cadre.village_id:
                raise ValidationError(services.MSG_MENTOR_VILLAGE % {"name": mentor.name})
        return data


@admin.register(Pairing)
class PairingAdmin(ScopedModelAdmin):
    form = PairingAdminForm
    list_display = ("reserve_cadre", "mode", "started_on", "ended_on", "assessment")
    list_filter = ("mode", "assessment", "reserve_cadre__village")
    filter_horizontal = ("mentors",)
    inlines = [MentoringLogInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reserve_cadre__village")


@admin.register(MentoringLog)
class MentoringLogAdmin(ScopedModelAdmin):
    list_display = ("date", "pairing", "mentor")
    list_filter = ("pairing__reserve_cadre__village",)
