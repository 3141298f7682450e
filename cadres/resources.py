"""Import and export of 队伍建设 records (xlsx and csv, Chinese column headers).

Built on chengjiang.importexport: exports hold only the user's scope with ID numbers masked
unless the user may see them; imports go through cadres.services, refuse rows outside the user's
scope, repeats within the file, steps out of order and unknown names, and write nothing when any
row is bad (the preview lists each bad row's number and reason in Chinese).

* ``GroupFiguresResource``: village groups with their figures from a date (a new group is
  created; new figures for an existing group are added from their date on).
* ``CandidateResultResource``: candidates' two recommendations (Party organisation 是/否, mass
  recommendation votes for / cast), exam scores and election votes, by round and ID number; the
  steps in one row are recorded in order.
* ``ApplicantScoreResource``: applicants' written and interview scores ("缺考" = absent).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from branches.models import Village
from chengjiang.import_widgets import MSG_REQUIRED, YesNoWidget, require
from chengjiang.importexport import (
    DateWidget,
    NameWidget,
    ScopedResourceMixin,
    row_error,
)
from chengjiang.personal_data import mask_id_number, normalize_id_number

from . import services
from .models import (
    Applicant,
    Candidate,
    ElectionRound,
    GroupFigures,
    Recruitment,
    VillageGroup,
)

MSG_DUPLICATE_IN_DB = _(
    "Figures of this group from this date are already stored; to change them, import the "
    "exported row with its record number."
)
MSG_NO_CANDIDATE = _("No candidate with this ID number in the round “%(round)s”.")
MSG_NO_APPLICANT = _("No applicant with this ID number in the recruitment “%(name)s”.")
MSG_NOTHING_GIVEN = _("The row gives neither a score nor votes.")
MSG_BAD_SCORE = _("“%(value)s” is not a score; write a number or 缺考 (absent).")
MSG_DATE_REQUIRED = _("Give the date of the %(step)s.")
MSG_PARTY_REQUIRED = _("Give the Party organisation's recommendation (是 or 否) with the votes.")
MSG_ELECTION_AT_MEETING = _(
    "Election votes are recorded ballot by ballot at the group meeting (who should attend, who "
    "did), not in this sheet."
)

ABSENT = "absent"
ABSENT_WORDS = {"缺考", "缺席", "absent"}


def _col(model, name):
    return model._meta.get_field(name).verbose_name


class ScoreWidget(widgets.Widget):
    """A score: empty is "not given", 缺考 is absent, anything else must be a number."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if text in ABSENT_WORDS:
            return ABSENT
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(gettext(MSG_BAD_SCORE) % {"value": text}) from exc

    def render(self, value, obj=None, **kwargs):
        if value == ABSENT:
            return "缺考"
        return "" if value is None else str(value)


class _Base(ScopedResourceMixin, resources.ModelResource):
    class Meta(ScopedResourceMixin.Meta):
        pass

    def before_import_row(self, row, **kwargs):
        for key in list(row):
            if isinstance(row[key], str):
                row[key] = row[key].strip()
        if "id_number" in self.fields:
            col = str(self.fields["id_number"].column_name)
            if row.get(col) is not None:
                row[col] = normalize_id_number(str(row[col]))

    def _cell(self, row, field: str) -> str:
        value = row.get(str(self.fields[field].column_name))
        return "" if value is None else str(value).strip()


# --- village groups -----------------------------------------------------------------------------


class GroupFiguresResource(_Base):
    village = fields.Field("import_village", _("village"), NameWidget(Village, _("village")))
    group_name = fields.Field("import_group_name", _("village group"))
    effective_from = fields.Field(
        "effective_from", _col(GroupFigures, "effective_from"), DateWidget()
    )
    population = fields.Field(
        "population", _col(GroupFigures, "population"), widgets.IntegerWidget()
    )
    households = fields.Field(
        "households", _col(GroupFigures, "households"), widgets.IntegerWidget()
    )
    area_mu = fields.Field("area_mu", _col(GroupFigures, "area_mu"), widgets.DecimalWidget())
    duties = fields.Field("duties", _col(GroupFigures, "duties"))
    workload = fields.Field("workload", _col(GroupFigures, "workload"), widgets.IntegerWidget())

    scope_village_fields = ("import_village",)
    fixed_on_update = ("import_village", "import_group_name", "effective_from")
    export_title = _("village groups and figures")

    class Meta(_Base.Meta):
        model = GroupFigures
        fields = (
            "village",
            "group_name",
            "effective_from",
            "population",
            "households",
            "area_mu",
            "duties",
            "workload",
        )
        clean_model_instances = False  # the service validates (the group may be new)

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("group__village")

    def dehydrate_village(self, obj):
        return obj.group.village.name

    def dehydrate_group_name(self, obj):
        return obj.group.name

    def get_queryset(self):
        return super().get_queryset().select_related("group__village")

    def prepare_stored(self, instance):
        instance.import_village = instance.group.village
        instance.import_group_name = instance.group.name

    def resolve(self, instance, row):
        """The group, by village and name, before any check (a stored date is then a repeat)."""
        instance.import_group_name = (instance.import_group_name or "").strip()
        village = getattr(instance, "import_village", None)
        if instance.pk:
            return
        if village is not None and instance.import_group_name:
            group = VillageGroup.objects.filter(
                village=village, name=instance.import_group_name
            ).first()
            if group is not None:
                instance.group = group

    def duplicate_key(self, instance):
        village = getattr(instance, "import_village", None)
        return (getattr(village, "pk", None), instance.import_group_name, instance.effective_from)

    def validate_row(self, instance, row, **kwargs):
        require(
            instance,
            "import_village",
            "import_group_name",
            "effective_from",
            "population",
            "households",
            "workload",
        )
        same = GroupFigures.objects.filter(
            group_id=instance.group_id, effective_from=instance.effective_from
        )
        if instance.group_id and self.others(same, instance).exists():
            raise row_error(MSG_DUPLICATE_IN_DB)

    def do_instance_save(self, instance, is_create):
        group = instance.group if instance.group_id else None
        if group is None and not is_create:
            raise ValidationError(MSG_DUPLICATE_IN_DB)
        if group is None:
            group = services.group_save(
                group=VillageGroup(
                    village=instance.import_village, name=instance.import_group_name
                ),
                by=self.user,
            )
        saved = services.group_figures_set(
            group=group,
            effective_from=instance.effective_from,
            population=instance.population,
            households=instance.households,
            workload=instance.workload,
            area_mu=instance.area_mu,
            duties=instance.duties or "",
            by=self.user,
        )
        instance.pk = saved.pk
        instance.group = group


# --- candidates' exam scores and votes ----------------------------------------------------------


class CandidateResultResource(_Base):
    round = fields.Field(
        "round", _col(Candidate, "round"), NameWidget(ElectionRound, _("election round"))
    )
    village = fields.Field(column_name=_("village"), readonly=True)
    group = fields.Field(column_name=_("village group"), readonly=True)
    name = fields.Field("name", _col(Candidate, "name"), readonly=True)
    id_number = fields.Field("id_number", _col(Candidate, "id_number"))
    party_recommended = fields.Field(
        "party_recommended",
        _col(Candidate, "party_recommended"),
        YesNoWidget(yes=("推荐",), no=("不推荐",)),
    )
    mass_votes_for = fields.Field(
        "mass_votes_for", _col(Candidate, "mass_votes_for"), widgets.IntegerWidget()
    )
    mass_votes_cast = fields.Field(
        "mass_votes_cast", _col(Candidate, "mass_votes_cast"), widgets.IntegerWidget()
    )
    recommended_on = fields.Field("recommended_on", _col(Candidate, "recommended_on"), DateWidget())
    exam_score = fields.Field("exam_score", _col(Candidate, "exam_score"), widgets.DecimalWidget())
    exam_on = fields.Field("exam_on", _col(Candidate, "exam_on"), DateWidget())
    # the election is recorded ballot by ballot at the group meeting (应到, 实到), never per row
    election_votes_for = fields.Field(
        "election_votes_for", _col(Candidate, "election_votes_for"), widgets.IntegerWidget()
    )
    election_votes_cast = fields.Field(
        "election_votes_cast",
        _col(Candidate, "election_votes_cast"),
        widgets.IntegerWidget(),
        readonly=True,
    )
    election_on = fields.Field(
        "election_on", _col(Candidate, "election_on"), DateWidget(), readonly=True
    )
    stage = fields.Field("stage", _col(Candidate, "stage"), readonly=True)
    stop_reason = fields.Field("stop_reason", _col(Candidate, "stop_reason"), readonly=True)

    personal_fields = {"id_number": mask_id_number}

    class Meta(_Base.Meta):
        model = Candidate
        fields = (
            "round",
            "village",
            "group",
            "name",
            "id_number",
            "party_recommended",
            "mass_votes_for",
            "mass_votes_cast",
            "recommended_on",
            "exam_score",
            "exam_on",
            "election_votes_for",
            "election_votes_cast",
            "election_on",
            "stage",
            "stop_reason",
        )
        clean_model_instances = False  # the services validate each step

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("round", "group__village")

    def dehydrate_village(self, obj):
        return obj.group.village.name

    def dehydrate_group(self, obj):
        return obj.group.name

    def dehydrate_stage(self, obj):
        return str(obj.get_stage_display())

    fixed_on_update = ("round", "id_number")
    export_title = _("candidates' results")

    def get_queryset(self):
        return super().get_queryset().select_related("round", "group__village")

    def get_or_init_instance(self, instance_loader, row):
        """Scores and votes update a stored candidate, found by its record number or by round
        and ID number, among those the user may see (others read as not found)."""
        if self.key_text(row):
            return super().get_or_init_instance(instance_loader, row)
        round_name = self._cell(row, "round")
        id_number = normalize_id_number(self._cell(row, "id_number"))
        if not round_name or not id_number:
            raise ValidationError(MSG_REQUIRED)
        candidate = self.get_queryset().filter(round__name=round_name, id_number=id_number).first()
        if candidate is None:
            raise row_error(MSG_NO_CANDIDATE, round=round_name)
        self.prepare_stored(candidate)
        candidate._fixed = {a: getattr(candidate, a, None) for a in self.fixed_on_update}
        return candidate, False

    def prepare_stored(self, candidate):
        candidate.stored = {
            "mass_votes_for": candidate.mass_votes_for,
            "exam_score": candidate.exam_score,
            "election_votes_for": candidate.election_votes_for,
        }

    def duplicate_key(self, instance):
        return (instance.round_id, instance.id_number)

    def validate_row(self, instance, row, **kwargs):
        if (
            instance.mass_votes_for is None
            and instance.exam_score is None
            and instance.election_votes_for is None
            and not self.key_text(row)
        ):
            raise row_error(MSG_NOTHING_GIVEN)
        if (
            instance.mass_votes_for is not None
            and instance.mass_votes_for != instance.stored["mass_votes_for"]
            and instance.party_recommended is None
        ):
            raise row_error(MSG_PARTY_REQUIRED)
        if instance.election_votes_for != instance.stored["election_votes_for"]:
            raise row_error(MSG_ELECTION_AT_MEETING)

    def do_instance_save(self, instance, is_create):
        stored = instance.stored
        if (
            instance.mass_votes_for is not None
            and instance.mass_votes_for != stored["mass_votes_for"]
        ):
            if instance.recommended_on is None:
                raise ValidationError(MSG_DATE_REQUIRED % {"step": gettext("two recommendations")})
            services.candidate_record_recommendations(
                candidate=instance,
                party_recommended=instance.party_recommended,
                votes_for=instance.mass_votes_for,
                votes_cast=instance.mass_votes_cast,
                on=instance.recommended_on,
                by=self.user,
            )
        if instance.exam_score is not None and instance.exam_score != stored["exam_score"]:
            if instance.exam_on is None:
                raise ValidationError(MSG_DATE_REQUIRED % {"step": gettext("exam")})
            services.candidate_record_exam(
                candidate=instance, score=instance.exam_score, on=instance.exam_on, by=self.user
            )


# --- applicants' scores -------------------------------------------------------------------------


class ApplicantScoreResource(_Base):
    recruitment = fields.Field(
        "recruitment", _col(Applicant, "recruitment"), NameWidget(Recruitment, _("recruitment"))
    )
    name = fields.Field("name", _col(Applicant, "name"), readonly=True)
    id_number = fields.Field("id_number", _col(Applicant, "id_number"))
    written = fields.Field("import_written", _col(Applicant, "written_score"), ScoreWidget())
    interview = fields.Field("import_interview", _col(Applicant, "interview_score"), ScoreWidget())
    stage = fields.Field("stage", _col(Applicant, "stage"), readonly=True)
    stop_reason = fields.Field("stop_reason", _col(Applicant, "stop_reason"), readonly=True)

    personal_fields = {"id_number": mask_id_number}

    class Meta(_Base.Meta):
        model = Applicant
        fields = (
            "recruitment",
            "name",
            "id_number",
            "written",
            "interview",
            "stage",
            "stop_reason",
        )
        clean_model_instances = False

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("recruitment")

    def dehydrate_written(self, obj):
        return obj.written_score

    def dehydrate_interview(self, obj):
        return obj.interview_score

    def dehydrate_stage(self, obj):
        return str(obj.get_stage_display())

    fixed_on_update = ("recruitment", "id_number")
    export_title = _("applicants' scores")

    def get_queryset(self):
        return super().get_queryset().select_related("recruitment__village")

    def get_or_init_instance(self, instance_loader, row):
        """By record number, or by recruitment and ID number, among those the user may see."""
        if self.key_text(row):
            return super().get_or_init_instance(instance_loader, row)
        name = self._cell(row, "recruitment")
        id_number = normalize_id_number(self._cell(row, "id_number"))
        if not name or not id_number:
            raise ValidationError(MSG_REQUIRED)
        applicant = self.get_queryset().filter(recruitment__name=name, id_number=id_number).first()
        if applicant is None:
            raise row_error(MSG_NO_APPLICANT, name=name)
        self.prepare_stored(applicant)
        applicant._fixed = {a: getattr(applicant, a, None) for a in self.fixed_on_update}
        return applicant, False

    def prepare_stored(self, applicant):
        # the scores as stored, so that an unchanged row is seen as unchanged
        applicant.import_written = applicant.written_score
        applicant.import_interview = applicant.interview_score

    def duplicate_key(self, instance):
        return (instance.recruitment_id, instance.id_number)

    def validate_row(self, instance, row, **kwargs):
        if (
            instance.import_written is None
            and instance.import_interview is None
            and not self.key_text(row)
        ):
            raise row_error(MSG_NOTHING_GIVEN)

    @staticmethod
    def _score(value):
        return None if value == ABSENT else value

    def do_instance_save(self, instance, is_create):
        written, interview = instance.import_written, instance.import_interview
        if written is not None and not (written != ABSENT and instance.written_score == written):
            services.applicant_record_written(
                applicant=instance, score=self._score(written), by=self.user
            )
        if interview is not None and not (
            interview != ABSENT and instance.interview_score == interview
        ):
            services.applicant_record_interview(
                applicant=instance, score=self._score(interview), by=self.user
            )
