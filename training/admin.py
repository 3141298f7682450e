"""Admin of 阵地建设, in Chinese and scoped: every row and every choice through visible_to(user).

Saves go through the services, so the booking rules (no clash, no oversized class) hold here as
they do in the portal; sessions edited together in one form are also checked against each other.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from chengjiang.admin import ScopedModelAdmin, ScopedTabularInline, formset_outcome
from chengjiang.importexport import ScopedImportExportMixin

from . import services
from .models import (
    MSG_CLASH,
    Attendee,
    Course,
    Facility,
    Session,
    SessionAttendance,
    TrainingBase,
    TrainingClass,
)
from .resources import SessionAttendanceResource, TrainingClassResource


class FacilityInline(ScopedTabularInline):
    model = Facility
    fields = ("name", "kind", "capacity")


@admin.register(TrainingBase)
class TrainingBaseAdmin(ScopedModelAdmin):
    list_display = ("name", "village", "level", "rated_on")
    list_filter = ("level", "village")
    search_fields = ("name",)
    inlines = [FacilityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")

    def save_model(self, request, obj, form, change):
        services.base_save(base=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        for obj in formset_outcome(formset):
            services.facility_save(facility=obj, by=request.user)
        for obj in formset.deleted_objects:
            services.facility_delete(facility=obj, by=request.user)


@admin.register(Facility)
class FacilityAdmin(ScopedModelAdmin):
    list_display = ("name", "base", "kind", "capacity")
    list_filter = ("kind", "base")
    search_fields = ("name", "base__name")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("base")

    def save_model(self, request, obj, form, change):
        services.facility_save(facility=obj, by=request.user)

    def delete_model(self, request, obj):
        services.facility_delete(facility=obj, by=request.user)


@admin.register(Course)
class CourseAdmin(ScopedModelAdmin):
    list_display = ("title", "base", "lecturer", "duration_minutes", "facility", "offered_from")
    list_filter = ("base",)
    search_fields = ("title", "lecturer")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("base", "facility")

    def save_model(self, request, obj, form, change):
        services.course_save(course=obj, by=request.user)


class SessionInlineFormSet(forms.BaseInlineFormSet):
    """Sessions in one form may not clash with each other either (the database sees them later)."""

    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for i, a in enumerate(kept):
            for b in kept[i + 1 :]:
                da, db = a.cleaned_data, b.cleaned_data
                if (
                    da.get("facility")
                    and da.get("facility") == db.get("facility")
                    and da["starts_at"] < db["ends_at"]
                    and db["starts_at"] < da["ends_at"]
                ):
                    raise ValidationError(
                        MSG_CLASH
                        % {
                            "facility": da["facility"].name,
                            "start": db["starts_at"].strftime("%Y-%m-%d %H:%M"),
                            "end": db["ends_at"].strftime("%Y-%m-%d %H:%M"),
                            "session": db.get("topic") or str(db.get("course") or ""),
                            "klass": self.instance.name,
                        }
                    )


class SessionInline(ScopedTabularInline):
    model = Session
    formset = SessionInlineFormSet
    fields = ("course", "topic", "facility", "starts_at", "ends_at", "hours")


class AttendeeInline(ScopedTabularInline):
    model = Attendee
    fields = ("member", "reserve_cadre")


@admin.register(TrainingClass)
class TrainingClassAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [TrainingClassResource]
    list_display = ("name", "kind", "sending_organisation", "starts_on", "participants", "base")
    list_filter = ("kind", "base", "starts_on")
    search_fields = ("name", "sending_organisation")
    date_hierarchy = "starts_on"
    inlines = [SessionInline, AttendeeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("base")

    def save_model(self, request, obj, form, change):
        services.class_save(training_class=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        objects = formset_outcome(formset)  # nothing written yet; deletions listed apart
        if formset.model is Attendee:
            for obj in formset.deleted_objects:
                services.attendee_withdraw(attendee=obj, by=request.user)
            for obj in objects:
                if obj.pk is None:
                    services.attendee_enrol(
                        training_class=form.instance,
                        member=obj.member,
                        reserve_cadre=obj.reserve_cadre,
                        by=request.user,
                    )
                else:
                    services.attendee_save(attendee=obj, by=request.user)
            return
        for obj in formset.deleted_objects:
            services.session_delete(session=obj, by=request.user)
        for obj in objects:
            services.session_save(session=obj, by=request.user)


@admin.register(Session)
class SessionAdmin(ScopedModelAdmin):
    list_display = ("__str__", "training_class", "facility", "starts_at", "ends_at", "hours")
    list_filter = ("facility", "training_class__kind")
    search_fields = ("topic", "course__title", "training_class__name")
    date_hierarchy = "starts_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("training_class", "course", "facility")

    def save_model(self, request, obj, form, change):
        services.session_save(session=obj, by=request.user)

    def delete_model(self, request, obj):
        services.session_delete(session=obj, by=request.user)


@admin.register(Attendee)
class AttendeeAdmin(ScopedModelAdmin):
    list_display = ("__str__", "training_class")
    list_filter = ("training_class",)

    def get_queryset(self, request):
        from .selectors import _attendee_related

        return super().get_queryset(request).select_related("training_class", *_attendee_related())

    def save_model(self, request, obj, form, change):
        if change:
            services.attendee_save(attendee=obj, by=request.user)
        else:
            services.attendee_enrol(
                training_class=obj.training_class,
                member=obj.member,
                reserve_cadre=obj.reserve_cadre,
                by=request.user,
            )

    def delete_model(self, request, obj):
        services.attendee_withdraw(attendee=obj, by=request.user)


@admin.register(SessionAttendance)
class SessionAttendanceAdmin(ScopedImportExportMixin, ScopedModelAdmin):
    resource_classes = [SessionAttendanceResource]
    list_display = ("attendee", "session", "present", "hours")
    list_filter = ("present", "session__training_class")

    def get_queryset(self, request):
        from .selectors import _attendee_related

        return (
            super()
            .get_queryset(request)
            .select_related(
                "session", "session__course", *("attendee__" + r for r in _attendee_related())
            )
        )

    def save_model(self, request, obj, form, change):
        services.attendance_save(record=obj, by=request.user)
