"""Import and export of 组织建设 records (xlsx and csv, Chinese column headers).

Every resource is built with the request's user (see chengjiang.importexport): exports hold only
the user's scope with ID numbers and phones masked unless the user may see them; imports add
records through branches.services, refuse rows outside the user's scope, repeats (within the
file or of a stored record), unknown organisations, invalid ID numbers, future dates and
attendees who are not members of the organisation — and write nothing when any row is bad.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from chengjiang.import_widgets import MSG_REQUIRED, require
from chengjiang.importexport import (
    ChoiceLabelWidget,
    DateWidget,
    NameWidget,
    ScopedResourceMixin,
    row_error,
)
from chengjiang.personal_data import mask_id_number, mask_phone, normalize_id_number

from . import services
from .models import (
    Meeting,
    MeetingKind,
    Member,
    Organization,
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
MSG_ABSENCE_FORMAT = _("Write each absent member as “name: reason”.")

SEPARATORS = re.compile(r"[、,，;；\n]+")
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def _split(value) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(str(value or "")) if part.strip()]


def _col(model, name):
    return model._meta.get_field(name).verbose_name


def find_member(org: Organization, text: str) -> Member:
    """A member of ``org`` named by ID number or by name (Chinese row errors otherwise)."""
    qs = Member.objects.of_organization(org).select_related("branch")
    if ID_LIKE.match(text):
        found = list(qs.filter(id_number=normalize_id_number(text)))
    else:
        found = list(qs.filter(name=text)[:2])
    if not found:
        shown = mask_id_number(text) if ID_LIKE.match(text) else text
        raise row_error(MSG_NOT_A_MEMBER, name=shown, org=org)
    if len(found) > 1:
        raise row_error(MSG_AMBIGUOUS_MEMBER, name=text, org=org)
    return found[0]


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

    def before_import_row(self, row, **kwargs):
        for key in list(row):
            if isinstance(row[key], str):
                row[key] = row[key].strip()
        id_col = str(self.fields["id_number"].column_name)
        if row.get(id_col) is not None:
            row[id_col] = normalize_id_number(str(row[id_col]))
        phone_col = str(self.fields["phone"].column_name)
        if row.get(phone_col) is not None:
            row[phone_col] = str(row[phone_col]).removesuffix(".0")

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


class MeetingResource(_Base):
    organization = fields.Field(
        "organization", _col(Meeting, "organization"), NameWidget(Organization, _("organisation"))
    )
    kind = fields.Field("kind", _col(Meeting, "kind"), ChoiceLabelWidget(MeetingKind))
    held_on = fields.Field("held_on", _col(Meeting, "held_on"), DateWidget())
    place = fields.Field("place", _col(Meeting, "place"))
    host = fields.Field("host", _col(Meeting, "host"), readonly=True)
    topic = fields.Field("topic", _col(Meeting, "topic"))
    minutes = fields.Field("minutes", _col(Meeting, "minutes"))
    present = fields.Field(column_name=_("present members"), readonly=True)
    absent = fields.Field(column_name=_("absent members (name: reason)"), readonly=True)
    status = fields.Field("status", _col(Meeting, "status"), ChoiceLabelWidget(Status))

    scope_fields = ("organization",)
    compare_columns = ("host", "present", "absent")
    fixed_on_update = ("organization",)

    class Meta(_Base.Meta):
        model = Meeting
        fields = (
            "organization",
            "kind",
            "held_on",
            "place",
            "host",
            "topic",
            "minutes",
            "present",
            "absent",
            "status",
        )

    def filter_export(self, queryset, **kwargs):
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("organization", "host")
            .prefetch_related("attendances__member")
        )

    def dehydrate_host(self, meeting):
        return meeting.host.name if meeting.host_id else ""

    def dehydrate_present(self, meeting):
        return "、".join(a.member.name for a in meeting.attendances.all() if a.present)

    def dehydrate_absent(self, meeting):
        return "；".join(
            f"{a.member.name}：{a.absence_reason}"
            for a in meeting.attendances.all()
            if not a.present
        )

    def _cell(self, row, field):
        return str(row.get(str(self.fields[field].column_name)) or "").strip()

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
        errors = []
        host = self._cell(row, "host")
        if host:
            try:
                instance.host = find_member(org, host)
            except ValidationError as exc:
                errors.extend(exc.messages)
        lines = []
        for text in _split(self._cell(row, "present")):
            try:
                lines.append(services.AttendanceLine(member=find_member(org, text)))
            except ValidationError as exc:
                errors.extend(exc.messages)
        for text in _split(self._cell(row, "absent")):
            match = re.match(r"^(.+?)[:：](.*)$", text)
            if not match or not match.group(2).strip():
                errors.append(gettext(MSG_ABSENCE_FORMAT))
                continue
            name, reason = match.groups()
            try:
                member = find_member(org, name.strip())
                lines.append(
                    services.AttendanceLine(
                        member=member, present=False, absence_reason=reason.strip()
                    )
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        instance._attendance = lines

    def do_instance_save(self, instance, is_create):
        services.meeting_save(
            meeting=instance, attendance=getattr(instance, "_attendance", None), by=self.user
        )


# --- talks ----------------------------------------------------------------------------------


class TalkResource(_Base):
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
        return talk.talker_display

    def dehydrate_participants(self, talk):
        return "、".join(str(p) for p in talk.participants.all())

    def _cell(self, row, field):
        return str(row.get(str(self.fields[field].column_name)) or "").strip()

    def duplicate_key(self, instance):
        return (
            instance.organization_id,
            instance.held_on,
            instance.topic,
            getattr(instance, "_talker_text", ""),
        )

    def import_instance(self, instance, row, **kwargs):
        instance._talker_text = self._cell(row, "talker")
        super().import_instance(instance, row, **kwargs)

    def _person(self, org, text):
        """A member of the organisation (by ID or name) or, failing that, a named non-member."""
        try:
            return services.TalkPerson(member=find_member(org, text))
        except ValidationError:
            if ID_LIKE.match(text):
                raise
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
        if self.others(duplicate, instance).exists():
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
