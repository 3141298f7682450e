"""Import and export of 组织建设 records (xlsx and csv, Chinese column headers).

Every resource is built with the request's user (see chengjiang.importexport): exports hold only
the user's scope with ID numbers and phones masked unless the user may see them; imports add
records through branches.services, refuse rows outside the user's scope, repeats (within the
file or of a stored record), unknown organisations, invalid ID numbers, future dates and
attendees who are not members of the organisation — and write nothing when any row is bad.
A member is named by name, by ID number, or — where several members of the record's
organisation bear the name — by name with the masked ID number or the member's 编号 in brackets,
which is what the exports write for such namesakes (``NamesakesMixin``): a file exported here
imports back unchanged.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from chengjiang.access import check_route_scope
from chengjiang.bulkimport import BulkImport, FieldChecks, insert, insert_values
from chengjiang.import_widgets import MSG_REQUIRED, is_missing, require
from chengjiang.importexport import (
    KEY_COLUMN,
    ChoiceLabelWidget,
    DateWidget,
    NameWidget,
    ScopedResourceMixin,
    row_error,
)
from chengjiang.personal_data import mask_id_number, mask_phone, normalize_id_number

from . import services
from .models import (
    EDITABLE_STATUSES,
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
    Village,
)

MSG_DUPLICATE_IN_DB = _("The same record is already stored.")
MSG_ID_TAKEN = _("A member with this ID number is already stored.")
# Said when the member holding the ID number is outside the importer's scope: it must not confirm
# that the number belongs to someone elsewhere (issue 14).
MSG_ID_UNAVAILABLE = _(
    "This ID number cannot be registered here; ask the sub-district office to check it."
)
MSG_NOT_A_MEMBER = _("“%(name)s” is not a member of %(org)s.")
MSG_AMBIGUOUS_MEMBER = _("Several members of %(org)s are named “%(name)s”; give the ID number.")
MSG_NO_GROUP = _("%(branch)s has no Party group named “%(name)s”.")
MSG_ABSENCE_FORMAT = _("Write each member on leave as “name: reason”.")
MSG_RATING_FORMAT = _("Write each rating as “name: rating”, the rating one of %(ratings)s.")

SEPARATORS = re.compile(r"[、,，;；\n]+")
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
COLON = re.compile(r"[:：]")
NAME_AND_TEXT = re.compile(r"^(.+?)[:：](.*)$")  # "name：reason", "name：rating"


def _split(value) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(str(value or "")) if part.strip()]


def _col(model, name):
    return model._meta.get_field(name).verbose_name


# A member named so that namesakes in one organisation are told apart:
# "陈桂兰（341802********1234）" (the masked ID number, as every list shows it to everyone),
# "陈桂兰（编号12）" (the member's record number, as the roster's export gives it: for namesakes
# whose masks are alike) or "陈桂兰（<the full ID number>）" (typed by someone who knows it).
# The exports write the first two for a name that several members of the record's organisation
# bear (``NamesakesMixin``); a plain name otherwise.
QUALIFIED = re.compile(r"^(.+?)\s*[（(]\s*([^（）()]+?)\s*[）)]$")
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


def _record_number(qualifier: str) -> int | None:
    label = str(KEY_COLUMN)
    if not qualifier.startswith(label):
        return None
    digits = qualifier[len(label) :].strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else None


def split_qualifier(text: str) -> tuple[str, str | None]:
    """("陈桂兰", "341802********1234") for "陈桂兰（341802********1234）"; (text, None) for a
    text without one of the three forms in brackets (a plain name, "张三（村民）")."""
    match = QUALIFIED.match(text)
    if match:
        qualifier = normalize_id_number(match.group(2))
        if (
            ID_LIKE.match(qualifier)
            or MASKED_ID.match(qualifier)
            or _record_number(qualifier) is not None
        ):
            return match.group(1).strip(), qualifier
    return text, None


def _fits(member: Member, qualifier: str) -> bool:
    if ID_LIKE.match(qualifier):
        return member.id_number == qualifier
    if MASKED_ID.match(qualifier):
        return mask_id_number(member.id_number) == qualifier
    return member.pk == _record_number(qualifier)


def _shown(text: str) -> str:
    """``text`` as a refusal may repeat it: a full ID number masked, alone or in brackets."""
    if ID_LIKE.match(text):
        return mask_id_number(normalize_id_number(text))
    name, qualifier = split_qualifier(text)
    if qualifier is not None and ID_LIKE.match(qualifier):
        return f"{name}（{mask_id_number(qualifier)}）"
    return text


def _one_member(found: list[Member], org: Organization, text: str) -> Member:
    if not found:
        raise row_error(MSG_NOT_A_MEMBER, name=_shown(text), org=org)
    if len(found) > 1:
        raise row_error(MSG_AMBIGUOUS_MEMBER, name=_shown(text), org=org)
    return found[0]


def find_member(org: Organization, text: str) -> Member:
    """A member of ``org`` named by ID number, by name, or by name with what tells namesakes
    apart (``split_qualifier``); Chinese row errors otherwise."""
    qs = Member.objects.of_organization(org).select_related("branch")
    if ID_LIKE.match(text):
        return _one_member(list(qs.filter(id_number=normalize_id_number(text))), org, text)
    name, qualifier = split_qualifier(text)
    if qualifier is None:
        return _one_member(list(qs.filter(name=text)[:2]), org, text)
    return _one_member([m for m in qs.filter(name=name) if _fits(m, qualifier)], org, text)


class NamesakesMixin:
    """Exports members' names as the import reads them back (``find_member``): the plain name,
    unless another member of the record's organisation bears it too; then the name with the
    masked ID number, or with the member's 编号 where the namesakes' masks are alike. Never a
    full ID number: it is personal data, and a record's export is no export of personal
    fields (the masked form is what every list shows to everyone)."""

    def named_member(self, member: Member, org: Organization) -> str:
        alike = self._namesakes(org).get(member.name)
        if alike is None:
            return member.name
        mask = mask_id_number(member.id_number)
        if mask in alike:
            return f"{member.name}（{KEY_COLUMN}{member.pk}）"
        return f"{member.name}（{mask}）"

    def _namesakes(self, org: Organization) -> dict[str, set[str]]:
        """{name borne by several members of ``org``: the masks more than one of them share},
        one query per organisation, kept for the export (or the import's comparisons)."""
        cache = self.__dict__.setdefault("_namesakes_cache", {})
        found = cache.get(org.pk)
        if found is None:
            members = Member.objects.of_organization(org).order_by()
            repeated = members.values("name").annotate(n=Count("pk")).filter(n__gt=1)
            masks: dict[str, Counter] = {}
            for name, id_number in members.filter(name__in=repeated.values("name")).values_list(
                "name", "id_number"
            ):
                masks.setdefault(name, Counter())[mask_id_number(id_number)] += 1
            found = cache[org.pk] = {
                name: {mask for mask, n in counted.items() if n > 1}
                for name, counted in masks.items()
            }
        return found


class _Base(ScopedResourceMixin, resources.ModelResource):
    class Meta(ScopedResourceMixin.Meta):
        pass

    def _imported_status(self, instance):
        if instance.pk and not getattr(self.user, "is_staff", False):
            # a stored record's review status is not the importer's to change
            stored = type(instance).objects.filter(pk=instance.pk).values_list("status", flat=True)
            instance.status = stored.first() or instance.status
            return
        instance.status = _status_for(self.user, instance.status)


def _status_for(user, status):
    """Office staff may import reviewed history; anyone else's imports arrive as drafts."""
    if not status or not getattr(user, "is_staff", False):
        return Status.DRAFT
    return status


# --- organisations ----------------------------------------------------------------------------


class OrganizationResource(_Base):
    name = fields.Field("name", _col(Organization, "name"))
    kind = fields.Field("kind", _col(Organization, "kind"), ChoiceLabelWidget(Organization.Kind))
    parent = fields.Field(
        "parent",
        _col(Organization, "parent"),
        NameWidget(Organization, _("organisation")),
    )
    village = fields.Field(
        "village", _col(Organization, "village"), NameWidget(Village, _("village"))
    )
    established_on = fields.Field(
        "established_on", _col(Organization, "established_on"), DateWidget()
    )
    dissolved_on = fields.Field(
        "dissolved_on", _col(Organization, "dissolved_on"), DateWidget(), readonly=True
    )

    scope_fields = ("parent",)
    scope_village_fields = ("village",)
    # the tree changes through its own services (move, dissolve): an import renames only
    fixed_on_update = ("kind", "parent", "village", "established_on")

    class Meta(_Base.Meta):
        model = Organization
        fields = ("name", "kind", "parent", "village", "established_on", "dissolved_on")
        clean_model_instances = False  # the service validates (the path is made on save)

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("parent", "village")

    def duplicate_key(self, instance):
        return (instance.name, getattr(instance.parent, "pk", None))

    def validate_row(self, instance, row, **kwargs):
        require(instance, "name", "kind", "established_on")
        same = Organization.objects.filter(name=instance.name, parent=instance.parent)
        if self.others(same, instance).exists():
            raise row_error(MSG_DUPLICATE_IN_DB)
        if instance.parent is None and not instance.pk and not self.visible_root():
            raise row_error(services.MSG_ROOT_NEEDS_KIND)

    def visible_root(self) -> bool:
        return bool(self.user and self.user.is_superuser)

    def do_instance_save(self, instance, is_create):
        if not is_create:
            services.organization_rename(organization=instance, name=instance.name, by=self.user)
            return
        org = services.organization_establish(
            name=instance.name,
            kind=instance.kind,
            parent=instance.parent,
            date=instance.established_on,
            village=instance.village,
            by=self.user,
        )
        instance.pk = org.pk
        instance.path, instance.depth = org.path, org.depth


# --- members --------------------------------------------------------------------------------


class MemberResource(_Base):
    name = fields.Field("name", pgettext_lazy("person", "name"))
    gender = fields.Field("gender", _col(Member, "gender"), ChoiceLabelWidget(Member.Gender))
    birth_date = fields.Field("birth_date", _col(Member, "birth_date"), DateWidget())
    id_number = fields.Field("id_number", _col(Member, "id_number"))
    phone = fields.Field("phone", _col(Member, "phone"))
    education = fields.Field(
        "education", _col(Member, "education"), ChoiceLabelWidget(Member.Education)
    )
    category = fields.Field(
        "category", _col(Member, "category"), ChoiceLabelWidget(Member.Category)
    )
    joined_on = fields.Field("joined_on", _col(Member, "joined_on"), DateWidget())
    branch = fields.Field(
        "branch", _col(Member, "branch"), NameWidget(Organization, _("organisation"))
    )
    group = fields.Field(
        "group", _col(Member, "group"), NameWidget(Organization, _("organisation")), readonly=True
    )

    scope_fields = ("branch", "group")
    personal_fields = {"id_number": mask_id_number, "phone": mask_phone}
    validate_unique = False  # validate_row names a taken ID number itself
    export_title = _("member roster")

    class Meta(_Base.Meta):
        model = Member
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "category",
            "joined_on",
            "branch",
            "group",
        )

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("branch", "group")

    def before_import_row(self, row, *, columns=None, **kwargs):
        """``columns``: ``_id_phone_columns()`` (the bulk path reads them once per import)."""
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = value.strip()
        id_col, phone_col = columns or self._id_phone_columns()
        if row.get(id_col) is not None:
            row[id_col] = normalize_id_number(str(row[id_col]))
        if row.get(phone_col) is not None:
            row[phone_col] = str(row[phone_col]).removesuffix(".0")

    def _id_phone_columns(self) -> tuple[str, str]:
        from django.utils.translation import get_language

        cached = getattr(self, "_columns_cache", None)
        if cached is None or cached[0] != get_language():
            columns = (
                str(self.fields["id_number"].column_name),
                str(self.fields["phone"].column_name),
            )
            cached = self._columns_cache = (get_language(), columns)
        return cached[1]

    def resolve(self, instance, row):
        column = str(self.fields["group"].column_name)
        if column not in row:
            return
        group_name = str(row.get(column) or "").strip()
        if not group_name:
            instance.group = None
            return
        if instance.branch_id:
            group = Organization.objects.filter(
                parent=instance.branch, kind=Organization.Kind.GROUP, name=group_name
            ).first()
            if group is None:
                raise row_error(MSG_NO_GROUP, branch=instance.branch, name=group_name)
            instance.group = group

    def duplicate_key(self, instance):
        return instance.id_number or None

    def validate_row(self, instance, row, **kwargs):
        taken = self.others(Member.objects.filter(id_number=instance.id_number), instance)
        if instance.id_number and taken.exists():
            visible = self.scoped(taken).exists()
            raise ValidationError({"id_number": MSG_ID_TAKEN if visible else MSG_ID_UNAVAILABLE})

    def do_instance_save(self, instance, is_create):
        services.member_save(member=instance, by=self.user)


# --- meetings -------------------------------------------------------------------------------


class MeetingResource(NamesakesMixin, _Base):
    """A meeting as minuted: 主持人, 记录人, 出席 / 请假 (with reasons) / 缺席, 列席, 应到 and 实到
    (exported, counted on import), the 领导班子 of a 民主生活会 and the 民主评议 ratings."""

    organization = fields.Field(
        "organization", _col(Meeting, "organization"), NameWidget(Organization, _("organisation"))
    )
    kind = fields.Field("kind", _col(Meeting, "kind"), ChoiceLabelWidget(MeetingKind))
    held_on = fields.Field("held_on", _col(Meeting, "held_on"), DateWidget())
    place = fields.Field("place", _col(Meeting, "place"))
    host = fields.Field("host", _col(Meeting, "host"), readonly=True)
    recorder = fields.Field("recorder", _col(Meeting, "recorder"), readonly=True)
    leadership_team = fields.Field(
        "leadership_team",
        _col(Meeting, "leadership_team"),
        NameWidget(LeadershipTeam, _("leadership team")),
    )
    topic = fields.Field("topic", _col(Meeting, "topic"))
    minutes = fields.Field("minutes", _col(Meeting, "minutes"))
    expected = fields.Field(column_name=_("expected (count)"), readonly=True)
    present_count = fields.Field(column_name=_("present (count)"), readonly=True)
    present = fields.Field(column_name=_("present members"), readonly=True)
    absent = fields.Field(column_name=_("members on leave (name: reason)"), readonly=True)
    absent_without_leave = fields.Field(
        column_name=_("members absent without leave"), readonly=True
    )
    observers = fields.Field("observers", _col(Meeting, "observers"))
    appraisals = fields.Field(column_name=_("democratic appraisal (name: rating)"), readonly=True)
    status = fields.Field("status", _col(Meeting, "status"), ChoiceLabelWidget(Status))

    scope_fields = ("organization",)
    compare_columns = (
        "host",
        "recorder",
        "present",
        "absent",
        "absent_without_leave",
        "appraisals",
    )
    fixed_on_update = ("organization",)

    class Meta(_Base.Meta):
        model = Meeting
        fields = (
            "organization",
            "kind",
            "held_on",
            "place",
            "host",
            "recorder",
            "leadership_team",
            "topic",
            "minutes",
            "expected",
            "present_count",
            "present",
            "absent",
            "absent_without_leave",
            "observers",
            "appraisals",
            "status",
        )

    def filter_export(self, queryset, **kwargs):
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("organization", "host", "recorder", "leadership_team")
            .prefetch_related("attendances__member", "appraisals__member")
        )

    def dehydrate_host(self, meeting):
        return self.named_member(meeting.host, meeting.organization) if meeting.host_id else ""

    def dehydrate_recorder(self, meeting):
        if not meeting.recorder_id:
            return ""
        return self.named_member(meeting.recorder, meeting.organization)

    def dehydrate_expected(self, meeting):
        return "" if meeting.expected_count is None else meeting.expected_count

    def dehydrate_present_count(self, meeting):
        return meeting.present_count

    def _names(self, meeting, status):
        return [a for a in meeting.attendances.all() if a.status == status]

    def _named(self, meeting, line) -> str:
        return self.named_member(line.member, meeting.organization)

    def dehydrate_present(self, meeting):
        return "、".join(
            self._named(meeting, a) for a in self._names(meeting, Attendance.Status.PRESENT)
        )

    def dehydrate_absent(self, meeting):
        return "；".join(
            f"{self._named(meeting, a)}：{a.absence_reason}"
            for a in self._names(meeting, Attendance.Status.LEAVE)
        )

    def dehydrate_absent_without_leave(self, meeting):
        return "；".join(
            f"{self._named(meeting, a)}：{a.absence_reason}"
            if a.absence_reason
            else self._named(meeting, a)
            for a in self._names(meeting, Attendance.Status.ABSENT)
        )

    def dehydrate_appraisals(self, meeting):
        return "；".join(
            f"{self._named(meeting, r)}：{r.get_rating_display()}" for r in meeting.appraisals.all()
        )

    def _cell(self, row, field, columns=None):
        return str(row.get((columns or self._columns())[field]) or "").strip()

    def _columns(self) -> dict[str, str]:
        """Each field's column header as plain text, computed once per language (the bulk path
        reads a dozen cells of each of 100,000 rows)."""
        return self.minutes_plan()[0]

    def minutes_plan(self) -> tuple[dict[str, str], dict[str, str]]:
        """The column headers (``_columns``) and the ratings by their labels, as plain text, for
        the current language: what ``read_minutes`` reads a row with. The bulk path takes it
        once per batch and hands it to each row (``get_language`` is a thread-local read)."""
        language = get_language()
        cached = getattr(self, "_columns_cache", None)
        if cached is None or cached[0] != language:
            names = {name: str(f.column_name) for name, f in self.fields.items()}
            ratings = {str(label): value for value, label in DemocraticAppraisal.Rating.choices}
            cached = self._columns_cache = (language, names, ratings)
        return cached[1], cached[2]

    def _ratings_by_label(self) -> dict[str, str]:
        return self.minutes_plan()[1]

    def duplicate_key(self, instance):
        return (instance.organization_id, instance.kind, instance.held_on, instance.topic)

    def validate_row(self, instance, row, **kwargs):
        require(instance, "organization", "kind", "held_on", "topic")
        self._imported_status(instance)
        org = instance.organization
        same = Meeting.objects.filter(
            organization=org, kind=instance.kind, held_on=instance.held_on, topic=instance.topic
        )
        if self.others(same, instance).exists():
            raise row_error(MSG_DUPLICATE_IN_DB)
        errors: dict[str, list[str]] = {}
        found = self.read_minutes(org, row, find_member, errors)
        instance.host, instance.recorder = found["host"], found["recorder"]
        instance._appraisals = found["appraisals"]
        if errors:
            raise ValidationError(errors)
        instance._attendance = found["attendance"]

    def read_minutes(self, org, row, find, errors: dict, *, plan=None, split=None) -> dict:
        """主持人, 记录人, the attendance (出席 / 请假 with the reason / 缺席) and the 民主评议
        ratings as the row's cells name them, each member found by ``find(org, text)``
        (``find_member`` here; the batch's lookups in the bulk path, with the same messages).
        Refusals go into ``errors`` by column. ``appraisals`` is None when the file has no such
        column (the ratings are left as stored). ``plan``: ``minutes_plan()``; ``split(cell)``:
        ``_split(cell)`` (the bulk path keeps what it split for the batch's rows)."""

        def column_error(field, exc):
            errors.setdefault(field, []).extend(exc.messages)

        if plan is None:
            plan = self.minutes_plan()
        columns = plan[0]
        if split is None:
            split = _split
        get = row.get
        found = {}
        for field in ("host", "recorder"):
            found[field] = None
            text = self._cell(row, field, columns)
            if text:
                try:
                    found[field] = find(org, text)
                except ValidationError as exc:
                    column_error(field, exc)
        lines = []
        Line, LEAVE, ABSENT = (
            services.AttendanceLine,
            Attendance.Status.LEAVE,
            Attendance.Status.ABSENT,
        )
        for text in split(get(columns["present"])):
            try:
                lines.append(Line(member=find(org, text)))
            except ValidationError as exc:
                column_error("present", exc)
        for text in split(get(columns["absent"])):
            match = NAME_AND_TEXT.match(text)
            if not match or not match.group(2).strip():
                errors.setdefault("absent", []).append(gettext(MSG_ABSENCE_FORMAT))
                continue
            name, reason = match.groups()
            try:
                member = find(org, name.strip())
                lines.append(Line(member=member, status=LEAVE, absence_reason=reason.strip()))
            except ValidationError as exc:
                column_error("absent", exc)
        for text in split(get(columns["absent_without_leave"])):
            name, note = [*COLON.split(text, maxsplit=1), ""][:2]
            try:
                lines.append(
                    Line(member=find(org, name.strip()), status=ABSENT, absence_reason=note.strip())
                )
            except ValidationError as exc:
                column_error("absent_without_leave", exc)
        found["attendance"] = lines
        found["appraisals"] = self._read_appraisals(org, row, errors, find, plan=plan, split=split)
        return found

    def people_named(self, row, *, plan=None, split=None) -> set[str]:
        """Every text of the row that ``read_minutes`` may look up as a member (the bulk path
        reads them for a whole batch at once). ``plan`` and ``split``: as ``read_minutes``."""
        texts = set()
        columns = (plan or self.minutes_plan())[0]
        split = split or _split
        add = texts.add
        for field in ("host", "recorder", "present", "absent", "absent_without_leave"):
            for text in split(row.get(columns[field])):
                add(text)
                if ":" in text or "：" in text:  # else the name is the text itself
                    add(COLON.split(text, maxsplit=1)[0].strip())
        for text in split(row.get(columns["appraisals"])):
            match = NAME_AND_TEXT.match(text)
            if match:
                add(match.group(1).strip())
        texts.discard("")
        return texts

    def _read_appraisals(self, org, row, errors, find=find_member, *, plan=None, split=None):
        """民主评议: "name：rating；…" read back by the ratings' Chinese labels."""
        columns, by_label = plan or self.minutes_plan()
        if columns["appraisals"] not in row:
            return None  # a file without the column leaves the ratings as stored
        lines = []
        for text in (split or _split)(row.get(columns["appraisals"])):
            match = NAME_AND_TEXT.match(text)
            rating = by_label.get(match.group(2).strip()) if match else None
            if rating is None:
                ratings = "、".join(by_label)
                errors.setdefault("appraisals", []).append(
                    gettext(MSG_RATING_FORMAT) % {"ratings": ratings}
                )
                continue
            try:
                member = find(org, match.group(1).strip())
            except ValidationError as exc:
                errors.setdefault("appraisals", []).extend(exc.messages)
                continue
            lines.append(services.AppraisalLine(member=member, rating=rating))
        return lines

    def do_instance_save(self, instance, is_create):
        services.meeting_save(
            meeting=instance,
            attendance=getattr(instance, "_attendance", None),
            appraisals=getattr(instance, "_appraisals", None),
            by=self.user,
        )


# --- talks ----------------------------------------------------------------------------------


def _talked_with(people) -> list[tuple[int, str]]:
    """The people of a talk from (member pk or None, name) pairs, in one order: members by
    their pk, anyone else by name."""
    return sorted((pk, "") if pk else (0, (name or "").strip()) for pk, name in people)


class TalkResource(NamesakesMixin, _Base):
    organization = fields.Field(
        "organization", _col(Talk, "organization"), NameWidget(Organization, _("organisation"))
    )
    held_on = fields.Field("held_on", _col(Talk, "held_on"), DateWidget())
    talker = fields.Field("talker", _col(Talk, "talker"), readonly=True)
    participants = fields.Field(column_name=_("talked with"), readonly=True)
    topic = fields.Field("topic", _col(Talk, "topic"))
    notes = fields.Field("notes", _col(Talk, "notes"))
    status = fields.Field("status", _col(Talk, "status"), ChoiceLabelWidget(Status))

    scope_fields = ("organization",)
    compare_columns = ("talker", "participants")
    fixed_on_update = ("organization",)

    class Meta(_Base.Meta):
        model = Talk
        fields = ("organization", "held_on", "talker", "participants", "topic", "notes", "status")

    def filter_export(self, queryset, **kwargs):
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("organization", "talker")
            .prefetch_related("participants__member")
        )

    def dehydrate_talker(self, talk):
        if talk.talker_id:
            return self.named_member(talk.talker, talk.organization)
        return talk.talker_name

    def dehydrate_participants(self, talk):
        return "、".join(
            self.named_member(p.member, talk.organization) if p.member_id else p.name
            for p in talk.participants.all()
        )

    def _cell(self, row, field):
        return str(row.get(str(self.fields[field].column_name)) or "").strip()

    def duplicate_key(self, instance):
        """One talk: its organisation, day, topic, talker and the people talked with (in any
        order); two talks of one day, talker and topic with other people are two records."""
        return (
            instance.organization_id,
            instance.held_on,
            instance.topic,
            getattr(instance, "_talker_text", ""),
            getattr(instance, "_participant_texts", ()),
        )

    def import_instance(self, instance, row, **kwargs):
        instance._talker_text = self._cell(row, "talker")
        instance._participant_texts = tuple(sorted(_split(self._cell(row, "participants"))))
        if not instance.talker_id and not instance.talker_name:
            # until validate_row finds the talker: a row refused before (a repeat) is not also
            # told to name one
            instance.talker_name = instance._talker_text
        super().import_instance(instance, row, **kwargs)

    def _person(self, org, text):
        """A member of the organisation (by ID or name) or, failing that, a named non-member."""
        try:
            return services.TalkPerson(member=find_member(org, text))
        except ValidationError:
            if ID_LIKE.match(text) or split_qualifier(text)[1] is not None:
                raise  # written as a member's: not a non-member's name
            return services.TalkPerson(name=text)

    def validate_row(self, instance, row, **kwargs):
        require(instance, "organization", "held_on", "topic")
        self._imported_status(instance)
        org = instance.organization
        talker = instance._talker_text
        if not talker:
            raise ValidationError({"talker": ValidationError(MSG_REQUIRED)})
        person = self._person(org, talker)
        instance.talker, instance.talker_name = person.member, person.name
        people = [self._person(org, text) for text in _split(self._cell(row, "participants"))]
        if not people:
            raise ValidationError({"participants": ValidationError(MSG_REQUIRED)})
        duplicate = Talk.objects.filter(
            organization=org, held_on=instance.held_on, topic=instance.topic
        ).filter(Q(talker=person.member) if person.member else Q(talker_name=person.name))
        talked_with = _talked_with((p.member.pk if p.member else None, p.name) for p in people)
        for stored in self.others(duplicate, instance).prefetch_related("participants"):
            stored_people = ((p.member_id, p.name) for p in stored.participants.all())
            if _talked_with(stored_people) == talked_with:
                raise row_error(MSG_DUPLICATE_IN_DB)
        instance._participants = people

    def column_label(self, attribute):
        if attribute == "participants":
            return str(self.fields["participants"].column_name)
        return super().column_label(attribute)

    def do_instance_save(self, instance, is_create):
        services.talk_save(
            talk=instance, participants=getattr(instance, "_participants", None), by=self.user
        )


# --- the bulk path (chengjiang.bulkimport): the same rules, a batch at a time -----------------


class _BulkBase(BulkImport):
    def __init__(self, resource, **kwargs):
        super().__init__(resource, **kwargs)
        self.orgs: dict[str, list[Organization]] = {}  # visible organisations by name
        self.field_checks = FieldChecks(self.model)

    def load_orgs(self, rows, attribute: str) -> None:
        """Visible organisations named in the batch (one query; cached for the next batches)."""
        column = self.column(attribute)
        names = {row.cell(column) for row in rows} - set(self.orgs) - {""}
        if not names:
            return
        found = Organization.objects.filter(name__in=names)
        if self.user is not None:
            found = found.visible_to(self.user)
        for name in names:
            self.orgs[name] = []
        for org in found:
            self.orgs[org.name].append(org)

    def set_org(self, row, attribute: str) -> None:
        column = self.column(attribute)
        if column in row.cells and attribute not in row.errors:
            setattr(row.instance, attribute, self.name_cell(row, attribute, self.orgs, _what()))

    def require(self, row, *attrs) -> None:
        for attr in attrs:
            if attr not in row.errors and is_missing(getattr(row.instance, attr, None)):
                row.add(attr, ValidationError(MSG_REQUIRED))

    def in_scope(self, row) -> None:
        try:
            check_route_scope(self.by, row.instance, path=self.scope)
        except ValidationError as exc:
            row.add(NON_FIELD_ERRORS, exc)

    def full_clean(self, row) -> None:
        """The record's ``full_clean`` as ``member_save`` / ``meeting_save`` run it, without
        the foreign keys already loaded and the columns already refused, through
        ``FieldChecks`` (the same checks and messages, planned once per model)."""
        record = row.instance
        try:
            self.field_checks(record, {*services.loaded_foreign_keys(record), *row.errors})
        except ValidationError as exc:
            row.add(NON_FIELD_ERRORS, exc)

    def present_fields(self, rows) -> list[str]:
        if not rows:
            return []
        cells = rows[0].cells
        return [
            f.attribute
            for f in self.import_fields
            if str(f.column_name) in cells and f.attribute in self.update_fields
        ]


def _fields_only(record, *, exclude):
    record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _what():
    return _("organisation")


class MemberBulkImport(_BulkBase):
    update_fields = MemberResource.Meta.fields
    resolved_fields = ("group",)

    def __init__(self, resource, **kwargs):
        super().__init__(resource, **kwargs)
        # in the import's language, as the importer's other columns (BulkImport.columns)
        self.id_phone_columns = resource._id_phone_columns()

    def before_import_row(self, cells):
        self.resource.before_import_row(cells, columns=self.id_phone_columns)

    def stored_queryset(self):
        return super().stored_queryset().select_related("branch", "group")

    def prepare(self, rows):
        self.load_orgs(rows, "branch")
        group_column = self.column("group")
        for row in rows:
            self.set_org(row, "branch")
        wanted = {
            (row.instance.branch_id, row.cell(group_column))
            for row in rows
            if row.instance.branch_id and row.cell(group_column)
        }
        self.groups = {}
        if wanted:
            for group in Organization.objects.filter(
                kind=Organization.Kind.GROUP,
                parent_id__in={b for b, _n in wanted},
                name__in={n for _b, n in wanted},
            ).order_by("pk"):
                self.groups.setdefault((group.parent_id, group.name), group)
        ids = {row.instance.id_number for row in rows if row.instance.id_number}
        self.taken = {
            id_number: (pk, path)
            for id_number, pk, path in Member.objects.filter(id_number__in=ids).values_list(
                "id_number", "pk", "branch__path"
            )
        }
        self.group_column = group_column

    def check(self, row):
        member = row.instance
        if row.errors:  # a cell, a name or a repeat: the one-row import checks the fields only
            self.full_clean(row)
            return
        if self.group_column in row.cells:
            name = row.cell(self.group_column)
            if not name:
                member.group = None
            elif member.branch_id:
                group = self.groups.get((member.branch_id, name))
                if group is None:
                    row.add(
                        NON_FIELD_ERRORS,
                        row_error(MSG_NO_GROUP, branch=member.branch, name=name),
                    )
                else:
                    member.group = group
        if member.branch_id:
            self.in_scope(row)
        taken = self.taken.get(member.id_number)
        if member.id_number and taken and taken[0] != member.pk:
            visible = self.scope is not None and taken[1].startswith(self.scope)
            row.add("id_number", ValidationError(MSG_ID_TAKEN if visible else MSG_ID_UNAVAILABLE))
        self.full_clean(row)

    def write(self, new, changed):
        if new:
            insert(
                Member,
                [r.instance for r in new],
                batch_size=self.batch_size,
                meanwhile=lambda: self.audit_new(new),  # while the database takes them
            )
        if changed:
            fields = self.present_fields(changed)
            if self.group_column in changed[0].cells:
                fields.append("group")  # read by name within the branch (resolve)
            if fields:
                Member.objects.bulk_update(
                    [r.instance for r in changed], fields, batch_size=self.batch_size
                )


def _named_in(pairs, chunk: int = 4000):
    """The pks of the members named ``name`` who belong to ``org`` (``_member_belongs``: a
    group's by their group, a branch's by their branch, a committee's by its subtree's branches),
    for each (org, name) of ``pairs``: joined on the pairs, so a city's namesakes elsewhere are
    never read. Chunks keep SQLite's variable limit."""
    from django.db import connection

    Kind = Organization.Kind
    quote = connection.ops.quote_name
    member = quote(Member._meta.db_table)
    org_table = quote(Organization._meta.db_table)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        by = {"group": [], "branch": [], "tree": []}
        for org, name in part:
            if org.kind == Kind.GROUP:
                by["group"].append((org.pk, name))
            elif org.kind == Kind.BRANCH:
                by["branch"].append((org.pk, name))
            else:
                by["tree"].append((org.path, name))
        queries, params = [], []
        for key, on in (
            ("group", "m.group_id = v.k AND m.name = v.n"),
            ("branch", "m.branch_id = v.k AND m.name = v.n"),
            ("tree", "m.name = v.n AND o.path LIKE v.k || '%%'"),
        ):
            values = by[key]
            if not values:
                continue
            rows = ", ".join(["(%s, %s)"] * len(values))
            join = f" JOIN {org_table} o ON o.id = m.branch_id" if key == "tree" else ""
            queries.append(
                f"SELECT m.id FROM {member} m{join} JOIN (WITH v(k, n) AS (VALUES {rows}) "
                f"SELECT k, n FROM v) v ON {on}"
            )
            params += [x for pair in values for x in pair]
        if not queries:
            continue
        with connection.cursor() as cursor:
            cursor.execute(" UNION ".join(queries), params)
            yield from (row[0] for row in cursor.fetchall())


class MeetingBulkImport(_BulkBase):
    """Meetings as minuted, a batch at a time: ``MeetingResource.read_minutes`` on the batch's
    members, the record's checks and ``services.meeting_checks`` per row, 应到 counted from the
    batch's lookups as ``selectors.expected_attendees`` counts it (``meeting_save``'s
    ``_count_expected``)."""

    update_fields = (
        "kind",
        "held_on",
        "place",
        "leadership_team",
        "topic",
        "minutes",
        "observers",
        "status",
    )

    def __init__(self, resource, **kwargs):
        super().__init__(resource, **kwargs)
        self.teams: dict[str, list[LeadershipTeam]] = {}  # visible teams by name
        # who is expected, read once per organisation / team for the whole file
        self.joined: dict[int, list] = {}  # org pk → its members' joined_on, sorted
        self.committee: dict[int, list[tuple]] = {}  # org pk → (member, started, ended)
        self.team_posts: dict[int, list[tuple]] = {}  # team pk → (member, started, ended)
        # MeetingResource._imported_status reads the importing user; meeting_save the actor
        self.keeps_status = not getattr(self.user, "is_staff", False)
        self.locked = not getattr(self.by, "is_staff", False)

    def stored_queryset(self):
        return (
            super()
            .stored_queryset()
            .select_related(
                "organization", "host", "recorder", "leadership_team", "recorded_by", "reviewed_by"
            )
            .prefetch_related("attendances__member", "appraisals__member")
        )

    # the batch's lookups ---------------------------------------------------------------------

    def prepare(self, rows):
        # the minuted cells' columns for this batch, and each cell split once for the batch
        # (``load_people`` and ``check`` both read them)
        self.minutes_plan = self.resource.minutes_plan()
        self.splits: dict[str, list[str]] = {}
        self.load_orgs(rows, "organization")
        self.load_teams(rows)
        team_column = self.column("leadership_team")
        team_what = self.resource.fields["leadership_team"].widget.what
        for row in rows:
            self.set_org(row, "organization")
            if team_column in row.cells and "leadership_team" not in row.errors:
                row.instance.leadership_team = self.name_cell(
                    row, "leadership_team", self.teams, team_what
                )
        keys = [
            (m.organization_id, m.kind, m.held_on, m.topic)
            for m in (row.instance for row in rows)
            if m.organization_id and m.held_on and m.topic
        ]
        self.stored_keys = {}
        if keys:
            for *key, pk in Meeting.objects.filter(
                organization_id__in={k[0] for k in keys},
                held_on__in={k[2] for k in keys},
                topic__in={k[3] for k in keys},
            ).values_list("organization_id", "kind", "held_on", "topic", "pk"):
                self.stored_keys.setdefault(tuple(key), set()).add(pk)
        self.load_people(rows)
        self.load_expected(rows)

    def load_teams(self, rows) -> None:
        """Visible 领导班子 named in the batch (one query; as ``NameWidget`` finds them)."""
        column = self.column("leadership_team")
        names = {row.cell(column) for row in rows if column in row.cells} - set(self.teams)
        names.discard("")
        if not names:
            return
        found = LeadershipTeam.objects.filter(name__in=names)
        if self.user is not None:
            found = found.visible_to(self.user)
        for name in names:
            self.teams[name] = []
        for team in found.order_by("pk"):
            self.teams[team.name].append(team)

    #: members kept from batch to batch (a file names the same people again and again)
    people_kept = 20_000

    def load_people(self, rows) -> None:
        """Everyone the batch names as 主持人, 记录人, attendee or rated member, among the members
        of the organisations naming them (``find`` keeps only those: ``_member_belongs``): one
        query for what no earlier batch looked up for that organisation. A city's register holds
        thousands of namesakes; reading every one of them for each name (a million rows a
        batch at 100,000 members) was most of a meeting import's time. What is found is kept for
        the next batches (up to ``people_kept`` members, then read afresh)."""
        if not hasattr(self, "people") or len(self.people) > self.people_kept:
            self.people: dict[int, Member] = {}
            self.by_name: dict[str, list[Member]] = {}
            self.by_id: dict[str, Member] = {}
            self.found: dict[tuple[int, str], Member] = {}
            self.looked_up: set[tuple[int, str]] = set()
        people_named, plan, split = self.resource.people_named, self.minutes_plan, self.split
        texts: set[str] = set()
        pairs: list[tuple[Organization, str]] = []  # (organisation, a name it gives)
        for row in rows:
            org = row.instance.organization if row.instance.organization_id else None
            if org is None:
                continue
            for text in people_named(row.cells, plan=plan, split=split):
                if (org.pk, text) not in self.looked_up:
                    self.looked_up.add((org.pk, text))
                    texts.add(text)
                    if not ID_LIKE.match(text):  # namesakes are found by their name
                        pairs.append((org, split_qualifier(text)[0]))
        if not texts:
            return
        ids = sorted({normalize_id_number(t) for t in texts if ID_LIKE.match(t)})
        pks = sorted(set(_named_in(pairs))) if pairs else []
        chunk = 4000  # SQLite's variable limit
        for start in range(0, max(len(pks), len(ids)), chunk):
            people = Member.objects.filter(
                Q(pk__in=pks[start : start + chunk]) | Q(id_number__in=ids[start : start + chunk])
            )
            if self.scope:
                people = people.filter(branch__path__startswith=self.scope)
            people = people.select_related("branch").only(
                "pk",
                "name",
                "id_number",
                "joined_on",
                "group_id",
                "branch_id",
                "branch__path",
                "branch__kind",
            )
            for member in people:
                if member.pk in self.people:  # found by another text or batch before
                    continue
                self.people[member.pk] = member
                self.by_name.setdefault(member.name, []).append(member)
                self.by_id[member.id_number] = member

    def load_expected(self, rows) -> None:
        """What 应到 needs for the batch's meetings, for organisations and teams not read yet:
        members' dates of joining (any kind but the two below), the committee's posts (支委会),
        the team's posts (民主生活会). One query each, only when the batch has new ones."""
        orgs, committees, teams = {}, set(), set()
        for row in rows:
            meeting = row.instance
            if not meeting.organization_id or not meeting.kind:
                continue
            if meeting.kind == MeetingKind.DEMOCRATIC_LIFE:
                if meeting.leadership_team_id and meeting.leadership_team_id not in self.team_posts:
                    teams.add(meeting.leadership_team_id)
            elif meeting.kind == MeetingKind.BRANCH_COMMITTEE:
                if meeting.organization_id not in self.committee:
                    committees.add(meeting.organization_id)
            elif meeting.organization_id not in self.joined:
                orgs[meeting.organization_id] = meeting.organization
        if orgs:
            self.load_joined(list(orgs.values()))
        if committees:
            for pk in committees:
                self.committee[pk] = []
            for org_id, *term in SecretaryTerm.objects.filter(
                organization_id__in=committees
            ).values_list("organization_id", "member_id", "started_on", "ended_on"):
                self.committee[org_id].append(tuple(term))
        if teams:
            for pk in teams:
                self.team_posts[pk] = []
            for team_id, *post in LeadershipTeamMember.objects.filter(
                team_id__in=teams
            ).values_list("team_id", "member_id", "started_on", "ended_on"):
                self.team_posts[team_id].append(tuple(post))

    def load_joined(self, orgs: list[Organization]) -> None:
        """Each organisation's members (``Member.objects.of_organization``) by date of joining."""
        condition = Q()
        for org in orgs:
            if org.kind == Organization.Kind.GROUP:
                condition |= Q(group_id=org.pk)
            else:
                condition |= Q(branch__path__startswith=org.path)
        by_path: dict[str, list] = {}
        by_group: dict[int, list] = {}
        for path, group_id, joined in Member.objects.filter(condition).values_list(
            "branch__path", "group_id", "joined_on"
        ):
            by_path.setdefault(path, []).append(joined)
            if group_id:
                by_group.setdefault(group_id, []).append(joined)
        for org in orgs:
            if org.kind == Organization.Kind.GROUP:
                dates = list(by_group.get(org.pk, ()))
            else:
                dates = [d for path, ds in by_path.items() if path.startswith(org.path) for d in ds]
            dates.sort()
            self.joined[org.pk] = dates

    @staticmethod
    def _serving(posts, date) -> set[int]:
        return {
            member
            for member, started, ended in posts
            if started <= date and (ended is None or ended >= date)
        }

    def team_members(self, meeting) -> set[int] | None:
        if meeting.kind != MeetingKind.DEMOCRATIC_LIFE or not meeting.leadership_team_id:
            return None
        if not meeting.held_on:
            return None
        return self._serving(self.team_posts.get(meeting.leadership_team_id, ()), meeting.held_on)

    def expected(self, meeting, lines) -> int:
        """``services._count_expected``: who was expected on the day (as
        ``selectors.expected_attendees``) and anyone else on the attendance list."""
        date = meeting.held_on
        attendees = {line.member.pk for line in lines}
        if meeting.kind == MeetingKind.DEMOCRATIC_LIFE:
            return len((self.team_members(meeting) or set()) | attendees)
        if meeting.kind == MeetingKind.BRANCH_COMMITTEE:
            serving = self._serving(self.committee.get(meeting.organization_id, ()), date)
            return len(serving | attendees)
        # the organisation's members who had joined by the day, and attendees who had not
        # (every attendee is a member of the organisation: ``read_minutes`` found them there)
        joined = bisect.bisect_right(self.joined[meeting.organization_id], date)
        return joined + sum(1 for line in lines if line.member.joined_on > date)

    def split(self, cell) -> list[str]:
        """``_split(cell)``, kept for the batch (the list is shared: read it only)."""
        if type(cell) is not str:
            return _split(cell)
        parts = self.splits.get(cell)
        if parts is None:
            parts = self.splits[cell] = _split(cell)
        return parts

    def find(self, org, text: str) -> Member:
        """``find_member`` on the batches' lookups (the same messages); what is found is kept
        for the next rows (a branch's members are named in each of its meetings)."""
        key = (org.pk, text)
        member = self.found.get(key)
        if member is None:
            member = self.found[key] = self._find(org, text)
        return member

    def _find(self, org, text: str) -> Member:
        if ID_LIKE.match(text):
            member = self.by_id.get(normalize_id_number(text))
            found = [member] if member is not None and services._member_belongs(member, org) else []
            return _one_member(found, org, text)
        name, qualifier = split_qualifier(text)
        found = [m for m in self.by_name.get(name, ()) if services._member_belongs(m, org)]
        if qualifier is not None:
            found = [m for m in found if _fits(m, qualifier)]
        return _one_member(found, org, text)

    # one row: the one-row import's steps, in its order --------------------------------------

    def field_rules(self, row) -> None:
        """What the one-row import still checks of a refused row: its fields (``full_clean``
        without the columns already refused)."""
        self.full_clean(row)

    def check(self, row):
        meeting = row.instance
        if row.errors:  # a cell, a name, a fixed column or a repeat
            self.field_rules(row)
            return
        # MeetingResource.validate_row
        self.require(row, "organization", "kind", "held_on", "topic")
        if row.errors:
            self.field_rules(row)
            return
        if row.original is not None and self.keeps_status:
            meeting.status = row.original.status  # not the importer's to change
        else:
            meeting.status = _status_for(self.user, meeting.status)
        if row.original is None:
            meeting.recorded_by = self.user
        org = meeting.organization
        key = (org.pk, meeting.kind, meeting.held_on, meeting.topic)
        if self.stored_keys.get(key, set()) - {meeting.pk}:
            row.add(NON_FIELD_ERRORS, row_error(MSG_DUPLICATE_IN_DB))
            self.field_rules(row)
            return
        errors: dict[str, list[str]] = {}
        found = self.resource.read_minutes(
            org, row.cells, self.find, errors, plan=self.minutes_plan, split=self.split
        )
        meeting.host, meeting.recorder = found["host"], found["recorder"]
        if errors:
            for attribute, messages in errors.items():
                row.add(attribute, ValidationError(messages))
            self.field_rules(row)
            return
        # services.meeting_save: scope, the stored row's review status, then its rules
        self.in_scope(row)
        if row.errors:
            return
        stored_status = row.original.status if row.original is not None else None
        if self.locked and stored_status is not None and stored_status not in EDITABLE_STATUSES:
            self.field_rules(row)  # the import's full_clean comes before the service
            if not row.errors:
                row.add(NON_FIELD_ERRORS, ValidationError(services.MSG_NOT_EDITABLE))
            return
        lines, appraisals = found["attendance"], found["appraisals"]
        stored_appraisals = False
        if row.original is not None and appraisals is None:
            stored_appraisals = bool(row.original.appraisals.all())  # prefetched
        # the fields and Meeting.clean, then meeting_save's checks
        self.full_clean(row)
        if row.errors:
            return
        try:
            services.meeting_checks(
                meeting,
                lines,
                appraisals,
                team_members=self.team_members(meeting),
                stored_appraisals=stored_appraisals,
            )
        except ValidationError as exc:
            row.add(NON_FIELD_ERRORS, exc)
        if row.errors:
            return
        meeting.expected_count = self.expected(meeting, lines)
        row.extra["attendance"] = lines
        row.extra["appraisals"] = appraisals

    def object_repr(self, meeting) -> str:
        """``Meeting.__str__`` with the kinds' labels read once (``get_kind_display`` hashes
        every lazy label of the choices for each record)."""
        labels = self.__dict__.get("kind_labels")
        if labels is None:
            field = Meeting._meta.get_field("kind")
            labels = self.kind_labels = {k: str(label) for k, label in field.flatchoices}
        return f"{meeting.held_on} {labels.get(meeting.kind, meeting.kind)} · {meeting.topic}"

    def preview_cell(self, f, row):
        if f is self.resource.fields["present_count"]:  # 实到, counted from the row's lines
            return sum(
                1
                for line in row.extra.get("attendance", ())
                if line.resolved_status == Attendance.Status.PRESENT
            )
        return super().preview_cell(f, row)

    # writing ---------------------------------------------------------------------------------

    def write(self, new, changed):
        """The meetings (COPY), then their attendance lines and ratings (COPY): the lines' rows
        are built while the database takes the meetings, the new meetings' audit entries
        while it takes the lines."""
        now = timezone.now()
        written = (*new, *changed)
        lines, ratings = [], []

        def build():
            present, leave = Attendance.Status.PRESENT, Attendance.Status.LEAVE
            append = lines.append
            for r in written:
                pk = r.instance.pk
                for line in r.extra.get("attendance", ()):
                    status = line.status or (present if line.present else leave)  # resolved
                    reason = "" if status == present else line.absence_reason.strip()
                    append((pk, line.member.pk, status, reason))
            ratings.extend(
                (r.instance.pk, line.member.pk, line.rating)
                for r in written
                for line in r.extra.get("appraisals") or ()
            )

        if new:
            insert(Meeting, [r.instance for r in new], batch_size=self.batch_size, meanwhile=build)
        else:
            build()
        if changed:
            for r in changed:
                r.instance.updated_at = now
                # as meeting_save's lock: an edit keeps the stored review state
                for name in services.WORKFLOW_FIELDS:
                    setattr(r.instance, name, getattr(r.original, name))
            fields = [*self.present_fields(changed), "host", "recorder"]
            fields += ["expected_count", "updated_at"]
            Meeting.objects.bulk_update(
                [r.instance for r in changed], fields, batch_size=self.batch_size
            )
            Attendance.objects.filter(meeting_id__in=[r.instance.pk for r in changed]).delete()
            rated = [r.instance.pk for r in changed if r.extra.get("appraisals") is not None]
            if rated:
                DemocraticAppraisal.objects.filter(meeting_id__in=rated).delete()
        insert_values(
            Attendance,
            lines,
            columns=("meeting_id", "member_id", "status", "absence_reason"),
            batch_size=self.batch_size,
            meanwhile=lambda: self.audit_new(new),  # while the database takes the lines
        )
        insert_values(
            DemocraticAppraisal,
            ratings,
            columns=("meeting_id", "member_id", "rating"),
            batch_size=self.batch_size,
        )


MemberResource.bulk_importer = MemberBulkImport
MeetingResource.bulk_importer = MeetingBulkImport
