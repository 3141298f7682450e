"""Portal forms of the secretaries: meetings (with attendance and attachments) and talks.

Every choice queryset goes through ``.visible_to(user)``: an organisation or member id from
outside the user's scope is refused as an invalid choice. The organisation is chosen first (a
small GET form), so the attendance list and the member choices are the chosen organisation's
and the pages work without JavaScript.
"""

from __future__ import annotations

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from chengjiang import upload_limits
from chengjiang.forms import CleanTextMixin
from chengjiang.personal_data import mask_id_number
from chengjiang.uploads import check_upload, count_allowed

from .models import (
    Attendance,
    DemocraticAppraisal,
    LeadershipTeam,
    LeadershipTeamMember,
    Meeting,
    MeetingKind,
    Member,
    Organization,
    SecretaryTerm,
    Status,
    Talk,
)
from .selectors import expected_attendees
from .services import (
    MEETING_ORG_KINDS,
    MSG_APPRAISAL_ONLY_ORG_LIFE,
    MSG_RETURN_REASON,
    AppraisalLine,
    AttendanceLine,
    TalkPerson,
)

MSG_NO_PARTICIPANTS = _("Choose at least one person talked with, or type a name.")
MSG_TALKER_BOTH = _(
    "Either pick the talker among the members or type a non-member's name, not both."
)
MSG_TALKER_IS_PARTICIPANT = _("The talker cannot also be one of the people talked with: %(name)s.")
MSG_MEMBER_LABEL = _("%(name)s (%(branch)s, ID number ending %(tail)s)")
MSG_MEMBER_NOTE = _("%(branch)s, ID number ending %(tail)s")
MSG_ABSENCE_REASON_FIELD = _("Give the reason for the leave.")
# The submit button that re-shows the meeting form with the attendance list of the chosen kind
# and date (without JavaScript), saving nothing.
REFRESH_ATTENDANCE = "refresh_attendance"
# Not present: 请假 (on leave, with a reason) or 缺席 (absent without leave).
ABSENCE_CHOICES = [
    (Attendance.Status.LEAVE, Attendance.Status.LEAVE.label),
    (Attendance.Status.ABSENT, Attendance.Status.ABSENT.label),
]
NAME_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def active_organizations(user):
    return Organization.objects.visible_to(user).filter(dissolved_on__isnull=True)


# Above this many organisations in scope, the list filters and a new record's first step take a
# name instead of a <select> of every organisation (issue 12: 5,000 options are a 450–600 KB page).
ORGANIZATION_SELECT_LIMIT = 200
CHOOSE_MATCHES_SHOWN = 20


def _span(started, ended) -> str:
    """A post held from ``started`` to ``ended`` (open: still held), as the page reads it."""
    return f"{started.isoformat()}/{ended.isoformat() if ended else ''}"


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organisations indented by their depth, so the tree reads on a phone."""

    def label_from_instance(self, obj: Organization) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


def member_label(member: Member) -> str:
    """A member as picked: name, branch and the last four digits of the masked ID number, so two
    members with the same name are told apart (the birth date stays masked)."""
    tail = mask_id_number(member.id_number)[-4:]
    return str(MSG_MEMBER_LABEL % {"name": member.name, "branch": member.branch.name, "tail": tail})


def member_note(member: Member) -> str:
    """What tells a member apart beside the name: branch and the masked ID number's last four."""
    tail = mask_id_number(member.id_number)[-4:]
    return str(MSG_MEMBER_NOTE % {"branch": member.branch.name, "tail": tail})


class MemberLabelMixin:
    """Members labelled by ``member_label``; the branch is fetched with the choices (one query)."""

    def label_from_instance(self, obj: Member) -> str:
        return member_label(obj)

    def _set_queryset(self, queryset):
        if queryset is not None:
            queryset = queryset.select_related("branch")
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)


class MemberChoiceField(MemberLabelMixin, forms.ModelChoiceField):
    pass


class MemberMultipleChoiceField(MemberLabelMixin, forms.ModelMultipleChoiceField):
    pass


class ChooseOrganizationForm(CleanTextMixin, forms.Form):
    """Step one of a new record (GET): which organisation held it.

    A scope of more than ``ORGANIZATION_SELECT_LIMIT`` organisations (a district's office) types
    a name instead of scrolling a <select> of all of them: ``matches()`` offers the first
    ``CHOOSE_MATCHES_SHOWN`` organisations whose name contains it (the view goes straight on
    when there is one)."""

    organization = OrganizationChoiceField(
        label=_("organisation"), queryset=Organization.objects.none(), required=False
    )
    organization_name = forms.CharField(
        label=_("organisation name contains"), required=False, max_length=100
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        active = active_organizations(user)
        self.fields["organization"].queryset = active
        self.by_name = active.order_by()[: ORGANIZATION_SELECT_LIMIT + 1].count() > (
            ORGANIZATION_SELECT_LIMIT
        )
        if self.by_name:
            self.fields["organization"].widget = forms.HiddenInput()
        else:
            self.fields["organization"].required = True
            del self.fields["organization_name"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def matches(self) -> tuple[list[Organization], bool]:
        """The organisations named like the typed text (scoped, active, in tree order), and
        whether there were more than are shown."""
        if not self.by_name or not self.is_valid() or not self.cleaned_data["organization_name"]:
            return [], False
        found = list(
            self.fields["organization"]
            .queryset.filter(name__contains=self.cleaned_data["organization_name"])
            .select_related("parent")
            .order_by("path")[: CHOOSE_MATCHES_SHOWN + 1]
        )
        return found[:CHOOSE_MATCHES_SHOWN], len(found) > CHOOSE_MATCHES_SHOWN


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MeetingFilterForm(CleanTextMixin, forms.Form):
    """The meeting list's filters (GET)."""

    kind = forms.ChoiceField(label=_("kind"), required=False)
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("status"), required=False)
    organization = OrganizationChoiceField(
        label=_("organisation"), required=False, queryset=Organization.objects.none()
    )
    organization_name = forms.CharField(
        label=_("organisation name contains"), required=False, max_length=100
    )
    date_from = forms.DateField(label=_("held from"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("held until"), required=False, widget=_date_input())

    kind_choices = MeetingKind.choices

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("all"))]
        if "kind" in self.fields:
            self.fields["kind"].choices = everything + list(self.kind_choices)
        self.fields["status"].choices = everything + list(Status.choices)
        visible = Organization.objects.visible_to(user)
        self.fields["organization"].queryset = visible
        self.fields["organization"].empty_label = _("all")
        if visible.order_by()[: ORGANIZATION_SELECT_LIMIT + 1].count() > ORGANIZATION_SELECT_LIMIT:
            # Many organisations: typed by name; an organisation chosen by a link (the cadence
            # matrix's cells) stays as a hidden key, named above the filters.
            self.fields["organization"].widget = forms.HiddenInput()
        else:
            del self.fields["organization_name"]

    @property
    def chosen_organization(self):
        if "organization_name" not in self.fields or not self.is_valid():
            return None
        return self.cleaned_data.get("organization")

    def apply(self, qs):
        """Filter ``qs`` with the valid filters (invalid ones are ignored and shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # the valid filters, even if others are not
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("year"):
            qs = qs.filter(held_on__year=data["year"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("organization"):
            qs = qs.filter(organization=data["organization"])
        if data.get("organization_name"):
            qs = qs.filter(organization__name__icontains=data["organization_name"])
        if data.get("date_from"):
            qs = qs.filter(held_on__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(held_on__lte=data["date_to"])
        return qs


class TalkFilterForm(MeetingFilterForm):
    kind = None


class ServiceErrorsMixin:
    """Show a service's ValidationError on the form: on its field when the form has it."""

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.fields and name not in self.hidden_names() else None
                self.add_error(target, errors)
        else:
            self.add_error(None, error.error_list)

    def hidden_names(self) -> set[str]:
        return {name for name, field in self.fields.items() if field.widget.is_hidden}


class MeetingForm(CleanTextMixin, ServiceErrorsMixin, forms.ModelForm):
    """A meeting with the attendance of every member of its organisation and new attachments.

    Each member has a "present" box and a reason field; unticked means absent, and then the
    reason is required (the leave list). The organisation is fixed by step one (a hidden field,
    refused unless it is in the user's scope).
    """

    attachments = MultipleFileField(
        label=_("attachments"),
        help_text=_("Optional. Photos (JPEG, PNG) or PDF; you may choose several files."),
    )

    class Meta:
        model = Meeting
        fields = [
            "organization",
            "kind",
            "held_on",
            "starts_at",
            "place",
            "host",
            "recorder",
            "leadership_team",
            "observers",
            "topic",
            "minutes",
        ]
        widgets = {
            "organization": forms.HiddenInput,
            "held_on": _date_input(),
            "starts_at": _time_input(),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }
        field_classes = {"host": MemberChoiceField, "recorder": MemberChoiceField}

    def __init__(self, *args, user, organization: Organization | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.organization = organization
        org_field = self.fields["organization"]
        org_field.queryset = active_organizations(user)
        if self.instance.pk:
            # an existing record keeps its organisation (it may have been dissolved since)
            org_field.queryset = Organization.objects.visible_to(user)
            org_field.disabled = True
        elif organization is not None:
            org_field.initial = organization.pk

        if organization is not None:
            allowed = MEETING_ORG_KINDS
            self.fields["kind"].choices = [("", "---------")] + [
                (value, label)
                for value, label in MeetingKind.choices
                if organization.kind in allowed.get(value, ())
            ]
            members = Member.objects.visible_to(user).of_organization(organization)
        else:
            members = Member.objects.none()
        members = members.select_related("branch").order_by("name", "pk")
        self.members = list(members)
        self._expected_cache = {}
        committee = {}
        if organization is not None:
            terms = SecretaryTerm.objects.filter(organization=organization).order_by("started_on")
            for member_id, started, ended in terms.values_list(
                "member_id", "started_on", "ended_on"
            ):
                committee.setdefault(member_id, []).append(_span(started, ended))
        for member in self.members:
            member.picker_note = member_note(member)
            # what the page's script needs to follow ``expected_attendees`` as the kind, date
            # and team change (the server decides again on saving)
            member.joined_iso = member.joined_on.isoformat() if member.joined_on else ""
            member.committee_spans = " ".join(committee.get(member.pk, ()))
            member.team_spans = ""

        existing = self.instance.attachments.count() if self.instance.pk else 0
        upload_limits.apply(
            self.fields["attachments"],
            max_files=max(settings.UPLOAD_MAX_FILES - existing, 0),
            lead=str(self.fields["attachments"].help_text),
        )
        self.fields["host"].queryset = members
        self.fields["host"].required = False
        self.fields["recorder"].queryset = members
        self.fields["recorder"].required = False
        self.fields["observers"].widget.attrs["placeholder"] = _(
            "e.g. the village's first secretary, a sub-district cadre"
        )
        self._set_up_team(organization)

        recorded = {}
        if self.instance.pk:
            recorded = {a.member_id: a for a in self.instance.attendances.all()}
        for member in self.members:
            row = recorded.get(member.pk)
            present = row.present if row is not None else not recorded
            self.fields[f"present_{member.pk}"] = forms.BooleanField(
                label=_("present"), required=False, initial=present
            )
            self.fields[f"absence_{member.pk}"] = forms.ChoiceField(
                label=_("not present"),
                choices=ABSENCE_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=row.status if row is not None and not row.present else "leave",
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                label=_("reason for absence"),
                required=False,
                max_length=200,
                initial=row.absence_reason if row is not None else "",
            )
        self._set_up_appraisal(organization)

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "organization",
            Field("kind"),
            Field("held_on"),
            Field("starts_at"),
            Field("place"),
            Field("host"),
            Field("recorder"),
            *(["leadership_team"] if "leadership_team" in self.fields else []),
            Field("topic"),
            Field("minutes"),
        )

    def _set_up_team(self, organization) -> None:
        """领导班子: offered where the organisation may hold a 民主生活会 and has a team."""
        teams = LeadershipTeam.objects.none()
        if organization is not None:
            teams = LeadershipTeam.objects.visible_to(self.user).filter(organization=organization)
        if not teams.exists():
            del self.fields["leadership_team"]
            return
        field = self.fields["leadership_team"]
        field.queryset = teams
        field.required = False
        field.help_text = _("Only for a democratic-life meeting: the team that held it.")
        self.team_members = {team.pk: set() for team in teams}
        spans = {}
        posts = LeadershipTeamMember.objects.filter(team__in=teams).order_by("started_on")
        for team_id, member_id, started, ended in posts.values_list(
            "team_id", "member_id", "started_on", "ended_on"
        ):
            self.team_members[team_id].add(member_id)
            spans.setdefault(member_id, []).append(f"{team_id}:{_span(started, ended)}")
        # The page hides the other members' rows once a 民主生活会 and its team are chosen.
        for member in self.members:
            member.team_ids = " ".join(
                str(pk) for pk, people in self.team_members.items() if member.pk in people
            )
            member.team_spans = " ".join(spans.get(member.pk, ()))

    def _set_up_appraisal(self, organization) -> None:
        """民主评议党员: a rating per member, offered where a 组织生活会 may be held."""
        self.appraisal_open = False
        if organization is None or organization.kind not in MEETING_ORG_KINDS["org_life"]:
            return
        rated = {}
        if self.instance.pk:
            rated = dict(self.instance.appraisals.values_list("member_id", "rating"))
        self.appraisal_open = bool(rated)
        choices = [("", _("not rated")), *DemocraticAppraisal.Rating.choices]
        for member in self.members:
            self.fields[f"rating_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=choices,
                required=False,
                initial=rated.get(member.pk, ""),
            )

    @property
    def attendance_rows(self):
        """(member, present box, 请假/缺席 choice, reason field) for every member of the
        organisation; ``member.picker_note`` tells same names apart and ``member.expected`` says
        whether the row is shown: expected at the kind and date chosen (every row while they
        are not chosen). The other rows are on the page, hidden, so that a change of kind or
        date shows them again with what was ticked."""
        expected = self.expected_ids(self._shown_choice())
        self.nobody_expected = expected is not None and not expected
        rows = []
        for m in self.members:
            if f"present_{m.pk}" not in self.fields:
                continue
            m.expected = expected is None or m.pk in expected
            rows.append(
                (m, self[f"present_{m.pk}"], self[f"absence_{m.pk}"], self[f"reason_{m.pk}"])
            )
        return rows

    def _shown_choice(self) -> dict:
        """The kind, date and team the page lists the attendance for: the valid ones typed on a
        re-shown form, the stored ones of a record opened for editing, none on a new form."""
        if self.is_bound:
            if self._errors is None:
                self.full_clean()
            return getattr(self, "cleaned_data", {})
        meeting = self.instance
        return {
            "kind": meeting.kind,
            "held_on": meeting.held_on,
            "leadership_team": meeting.leadership_team if meeting.leadership_team_id else None,
        }

    def expected_ids(self, data) -> set[int] | None:
        """The pks of the listed members expected at the meeting ``data`` describes (the one
        rule, ``selectors.expected_attendees``: a 支委会 the committee serving that day, a
        民主生活会 its leadership team, other kinds the members who had joined by the day), or
        None while the kind or the date is not chosen."""
        kind, held_on = data.get("kind"), data.get("held_on")
        if not kind or not held_on or self.organization is None:
            return None
        team = data.get("leadership_team") if kind == MeetingKind.DEMOCRATIC_LIFE else None
        key = (kind, held_on, team.pk if team is not None else None)
        if key not in self._expected_cache:
            self._expected_cache[key] = set(
                expected_attendees(kind, self.organization, held_on, team=team)
                .order_by()
                .values_list("pk", flat=True)
            )
        return self._expected_cache[key]

    def without_errors(self) -> None:
        """Re-show what was typed, with the attendance list of the chosen kind and date, and
        no errors: the user asked for the list, not to save (``REFRESH_ATTENDANCE``)."""
        self.full_clean()
        self._errors = ErrorDict()

    @property
    def appraisal_rows(self):
        return [
            (m, self[f"rating_{m.pk}"]) for m in self.members if f"rating_{m.pk}" in self.fields
        ]

    def _status(self, data, member) -> str:
        if data.get(f"present_{member.pk}"):
            return Attendance.Status.PRESENT
        return data.get(f"absence_{member.pk}") or Attendance.Status.LEAVE

    def _listed(self, data) -> list[Member]:
        """Who the attendance lines are for: the listed members the rule expects at this kind
        of meeting on its date (``expected_ids``), whatever rows the page showed or ticked."""
        expected = self.expected_ids(data)
        if not expected:
            return []
        return [m for m in self.members if m.pk in expected]

    def clean(self):
        data = super().clean()
        for member in self._listed(data):
            status = self._status(data, member)
            reason = (data.get(f"reason_{member.pk}") or "").strip()
            if (
                status == Attendance.Status.LEAVE
                and not reason
                and f"reason_{member.pk}" not in self.errors
            ):
                self.add_error(f"reason_{member.pk}", MSG_ABSENCE_REASON_FIELD)
        if self.appraisal_lines_from(data) and data.get("kind") != MeetingKind.ORG_LIFE:
            self.add_error(None, MSG_APPRAISAL_ONLY_ORG_LIFE)
        return data

    def appraisal_lines_from(self, data) -> list[AppraisalLine]:
        return [
            AppraisalLine(member=m, rating=data[f"rating_{m.pk}"])
            for m in self.members
            if data.get(f"rating_{m.pk}")
        ]

    def appraisal_lines(self) -> list[AppraisalLine] | None:
        """The ratings, or None where the form offers none (left as stored)."""
        if not any(f"rating_{m.pk}" in self.fields for m in self.members):
            return None
        return self.appraisal_lines_from(self.cleaned_data)

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {m}" for m in exc.messages)
        existing = self.instance.attachments.count() if self.instance.pk else 0
        try:
            count_allowed(existing + len(files))
        except ValidationError as exc:
            errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def attendance_lines(self) -> list[AttendanceLine]:
        """A line for every expected member (``_listed``): a 支委会 records the committee, a
        民主生活会 its leadership team's members only."""
        data = self.cleaned_data
        lines = []
        for m in self._listed(data):
            status = self._status(data, m)
            lines.append(
                AttendanceLine(
                    member=m,
                    status=status,
                    absence_reason=(data.get(f"reason_{m.pk}") or "").strip(),
                )
            )
        return lines


class TalkForm(CleanTextMixin, ServiceErrorsMixin, forms.ModelForm):
    """A heart-to-heart talk: members of the organisation ticked, plus names of non-members."""

    participants = MemberMultipleChoiceField(
        label=_("members talked with"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_names = forms.CharField(
        label=_("others talked with (not Party members)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line, or separated by 、 or commas."),
    )

    class Meta:
        model = Talk
        fields = ["organization", "held_on", "talker", "talker_name", "topic", "notes"]
        widgets = {
            "organization": forms.HiddenInput,
            "held_on": _date_input(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"talker": MemberChoiceField}

    def __init__(self, *args, user, organization: Organization | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        org_field = self.fields["organization"]
        org_field.queryset = active_organizations(user)
        if self.instance.pk:
            org_field.queryset = Organization.objects.visible_to(user)
            org_field.disabled = True
        elif organization is not None:
            org_field.initial = organization.pk
        if organization is not None:
            members = Member.objects.visible_to(user).of_organization(organization)
        else:
            members = Member.objects.none()
        members = members.select_related("branch").order_by("name", "pk")
        self.fields["participants"].queryset = members
        self.fields["talker"].queryset = members
        self.fields["talker"].help_text = _(
            "A member of the organisation; otherwise type the name below."
        )
        if self.instance.pk and not self.is_bound:
            rows = list(self.instance.participants.all())
            self.initial["participants"] = [r.member_id for r in rows if r.member_id]
            self.initial["other_names"] = "\n".join(r.name for r in rows if not r.member_id)

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "organization",
            Field("held_on"),
            Field("talker"),
            Field("talker_name"),
            Field("topic"),
            Field("participants"),
            Field("other_names"),
            Field("notes"),
        )

    def clean_other_names(self) -> list[str]:
        text = self.cleaned_data.get("other_names") or ""
        names = [n.strip() for n in NAME_SEPARATORS.split(text) if n.strip()]
        too_long = [n for n in names if len(n) > 50]
        if too_long:
            raise ValidationError(
                _("A name can have at most 50 characters: %(name)s") % {"name": too_long[0]}
            )
        return names

    def clean(self):
        data = super().clean()
        talker, talker_name = data.get("talker"), (data.get("talker_name") or "").strip()
        if talker is not None and talker_name:
            self.add_error("talker_name", MSG_TALKER_BOTH)
        if talker is not None and talker in (data.get("participants") or []):
            self.add_error("participants", MSG_TALKER_IS_PARTICIPANT % {"name": talker.name})
        if talker_name and talker_name in (data.get("other_names") or []):
            self.add_error("other_names", MSG_TALKER_IS_PARTICIPANT % {"name": talker_name})
        if (
            not data.get("participants")
            and not data.get("other_names")
            and "participants" not in self.errors
            and "other_names" not in self.errors
        ):
            self.add_error("participants", MSG_NO_PARTICIPANTS)
        return data

    def people(self) -> list[TalkPerson]:
        data = self.cleaned_data
        return [TalkPerson(member=m) for m in data.get("participants", [])] + [
            TalkPerson(name=n) for n in data.get("other_names", [])
        ]


class ReviewForm(CleanTextMixin, forms.Form):
    """Approve (no fields but the version the reviewer saw) or return with a reason."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)


class ReturnForm(ReviewForm):
    reason = forms.CharField(
        label=_("reason for return"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": MSG_RETURN_REASON},
        help_text=_("The author reads this reason with the returned record."),
    )
