"""Import and export of training classes and session attendance (django-import-export).

Built on ``chengjiang.importexport``: scoped to the user (a class belongs to its base's village),
preview first, all or nothing, each bad row named with its number and reason in Chinese. Rows are
written through the services, so booking and enrolment rules hold for imports too.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from chengjiang.import_widgets import YesNoWidget
from chengjiang.importexport import (
    MSG_OUT_OF_SCOPE,
    ChoiceLabelWidget,
    DateWidget,
    NameWidget,
    ScopedResourceMixin,
    row_error,
)
from chengjiang.personal_data import export_masks

from . import services
from .models import ClassKind, Session, SessionAttendance, TrainingBase, TrainingClass

MSG_BAD_DATETIME = _("“%(value)s” is not a date and time; write it as 2024-03-18 14:30.")
MSG_NO_CLASS = _("No class named “%(name)s” that you may see.")
MSG_NO_SESSION = _("The class “%(klass)s” has no session starting at %(start)s.")
MSG_NO_ATTENDEE = _("No attendee named “%(name)s” is enrolled in “%(klass)s”.")
MSG_SEVERAL_ATTENDEES = _("Several attendees of “%(klass)s” are named “%(name)s”.")
MSG_ALREADY_RECORDED = _("The attendance of %(name)s at this session is already recorded.")
MSG_BAD_HOURS = _("“%(value)s” is not a number of hours.")

ATTENDED_WORDS = ("出勤", "到")
ABSENT_WORDS = ("缺勤", "未到")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M")


def parse_datetime(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        naive = value
    else:
        text = str(value or "").strip()
        for fmt in DATETIME_FORMATS:
            try:
                naive = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise row_error(MSG_BAD_DATETIME, value=text)
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive)


class HoursWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        try:
            return Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(gettext(MSG_BAD_HOURS) % {"value": value}) from exc

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # a number in an xlsx file, as the library's number columns are
        return value if kwargs.get("force_native_type") else str(value)


class _BaseScoped:
    """Scope through the base's village; writes through the services."""

    def base_visible(self, base) -> None:
        if base is not None and not self.visible(base.village):
            raise row_error(MSG_OUT_OF_SCOPE, name=base)


class TrainingClassResource(_BaseScoped, ScopedResourceMixin, resources.ModelResource):
    kind = fields.Field(
        attribute="kind", column_name=_("class kind"), widget=ChoiceLabelWidget(ClassKind)
    )
    base = fields.Field(
        attribute="base",
        column_name=_("training base"),
        widget=NameWidget(TrainingBase, _("training base")),
    )
    name = fields.Field(attribute="name", column_name=_("class name"))
    sending_organisation = fields.Field(
        attribute="sending_organisation", column_name=_("sending organisation")
    )
    starts_on = fields.Field(attribute="starts_on", column_name=_("starts on"), widget=DateWidget())
    ends_on = fields.Field(attribute="ends_on", column_name=_("ends on"), widget=DateWidget())
    participants = fields.Field(
        attribute="participants", column_name=_("participants"), widget=widgets.IntegerWidget()
    )
    contact_name = fields.Field(attribute="contact_name", column_name=_("contact"))
    contact_phone = fields.Field(attribute="contact_phone", column_name=_("contact phone"))
    note = fields.Field(attribute="note", column_name=_("note"))

    personal_fields = export_masks(TrainingClass)
    export_title = _("training classes")

    class Meta(ScopedResourceMixin.Meta):
        model = TrainingClass
        fields = (
            "kind",
            "base",
            "name",
            "sending_organisation",
            "starts_on",
            "ends_on",
            "participants",
            "contact_name",
            "contact_phone",
            "note",
        )
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("base")

    def check_scope(self, instance) -> None:
        self.base_visible(instance.base if instance.base_id else None)

    def duplicate_key(self, instance):
        return (instance.base_id, instance.name, instance.starts_on)

    def validate_row(self, instance, row, **kwargs) -> None:
        if instance.kind == "":
            instance.kind = ClassKind.RECEIVED
        if instance.contact_name is None:
            instance.contact_name = ""
        for attr in ("contact_phone", "note", "sending_organisation"):
            if getattr(instance, attr) is None:
                setattr(instance, attr, "")

    def do_instance_save(self, instance, is_create):
        services.class_save(training_class=instance, by=self.user)


class SessionAttendanceResource(_BaseScoped, ScopedResourceMixin, resources.ModelResource):
    """One row per person per session: class, session start, name, present, hours."""

    klass = fields.Field(
        attribute="session__training_class__name", column_name=_("class"), readonly=True
    )
    session_start = fields.Field(column_name=_("session starts at"), readonly=True)
    topic = fields.Field(column_name=_("training session"), readonly=True)
    person = fields.Field(column_name=_("person's name"), readonly=True)
    present = fields.Field(
        attribute="present",
        column_name=_("attended (是/否)"),
        widget=YesNoWidget(yes=ATTENDED_WORDS, no=ABSENT_WORDS, required=True),
    )
    hours = fields.Field(attribute="hours", column_name=_("hours credited"), widget=HoursWidget())

    class Meta(ScopedResourceMixin.Meta):
        model = SessionAttendance
        fields = ("klass", "session_start", "topic", "person", "present", "hours")
        export_order = fields

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "session__training_class", "session__course", *_attendee_related("attendee__")
            )
        )

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if hasattr(queryset, "select_related"):
            queryset = queryset.select_related(
                "session__training_class", "session__course", *_attendee_related("attendee__")
            )
        return queryset

    def dehydrate_session_start(self, obj) -> str:
        return timezone.localtime(obj.session.starts_at).strftime("%Y-%m-%d %H:%M")

    def dehydrate_topic(self, obj) -> str:
        return obj.session.title

    def dehydrate_person(self, obj) -> str:
        return obj.attendee.person_name

    def _column(self, row, attr: str):
        return row.get(str(self.fields[attr].column_name))

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            self._resolve(instance, row)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _resolve(self, instance, row) -> None:
        class_name = str(self._column(row, "klass") or "").strip()
        klass = (
            TrainingClass.objects.visible_to(self.user)
            .select_related("base")
            .filter(name=class_name)
            .order_by("-starts_on")
            .first()
            if self.user is not None
            else None
        )
        if klass is None:
            raise row_error(MSG_NO_CLASS, name=class_name)
        start = parse_datetime(self._column(row, "session_start"))
        session = (
            Session.objects.filter(training_class=klass, starts_at=start)
            .select_related("training_class")
            .first()
        )
        if session is None:
            raise row_error(
                MSG_NO_SESSION,
                klass=klass.name,
                start=timezone.localtime(start).strftime("%Y-%m-%d %H:%M"),
            )
        name = str(self._column(row, "person") or "").strip()
        matches = [
            a for a in klass.attendees.select_related(*_attendee_related()) if a.person_name == name
        ]
        if not matches:
            raise row_error(MSG_NO_ATTENDEE, name=name, klass=klass.name)
        if len(matches) > 1:
            raise row_error(MSG_SEVERAL_ATTENDEES, name=name, klass=klass.name)
        instance.session = session
        instance.attendee = matches[0]

    fixed_on_update = ("session", "attendee")
    export_title = _("session attendance")

    def check_scope(self, instance) -> None:
        if instance.session_id:
            self.base_visible(instance.session.training_class.base)

    def duplicate_key(self, instance):
        return (instance.session_id, instance.attendee_id)

    def validate_row(self, instance, row, **kwargs) -> None:
        if not (instance.session_id and instance.attendee_id):
            return
        session = instance.session
        name = instance.attendee.person_name
        if instance.present is None:
            instance.present = True
        if not instance.present:
            if instance.hours:
                raise row_error(services.MSG_HOURS_ABSENT, name=name)
            instance.hours = Decimal("0")
        elif instance.hours is None:
            instance.hours = session.hours
        if instance.hours > session.hours:
            raise row_error(services.MSG_HOURS_TOO_MANY, name=name, hours=session.hours)
        same = SessionAttendance.objects.filter(session=session, attendee=instance.attendee)
        if self.others(same, instance).exists():
            raise row_error(MSG_ALREADY_RECORDED, name=name)

    def do_instance_save(self, instance, is_create):
        services.attendance_save(record=instance, by=self.user)


def _attendee_related(prefix: str = "") -> list[str]:
    from .selectors import _attendee_related as related

    return [prefix + r for r in related()]
