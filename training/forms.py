"""Portal forms of 阵地建设: phone-first, one column, native date/time inputs."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from chengjiang.forms import CleanTextMixin

from .models import Session


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(CleanTextMixin, forms.ModelForm):
    """Book a session of a class: its course, facility and time span."""

    class Meta:
        model = Session
        fields = ["course", "topic", "facility", "starts_at", "ends_at", "hours"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}

    def __init__(self, *args, training_class, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.training_class = training_class
        base = training_class.base
        self.fields["course"].queryset = (
            self.fields["course"].queryset.visible_to(user).filter(base=base)
        )
        self.fields["facility"].queryset = (
            self.fields["facility"].queryset.visible_to(user).filter(base=base)
        )
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Book"), css_class="btn-touch w-100"))


class AttendanceForm(CleanTextMixin, forms.Form):
    """One row per attendee: present, and hours (empty: the session's hours)."""

    def __init__(self, *args, session, attendees, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.attendees = list(attendees)
        self.rows = []
        for a in self.attendees:
            record = existing.get(a.pk)
            present_name, hours_name = f"present_{a.pk}", f"hours_{a.pk}"
            self.fields[present_name] = forms.BooleanField(
                label=a.person_name,
                required=False,
                initial=record.present if record else True,
            )
            self.fields[hours_name] = forms.DecimalField(
                label=_("hours credited"),
                required=False,
                min_value=0,
                max_digits=4,
                decimal_places=1,
                initial=record.hours if record and record.present else None,
            )
            self.rows.append((a, self[present_name], self[hours_name]))

    def lines(self):
        from .services import AttendanceLine

        return [
            AttendanceLine(
                attendee=a,
                present=self.cleaned_data[f"present_{a.pk}"],
                hours=self.cleaned_data[f"hours_{a.pk}"],
            )
            for a in self.attendees
        ]
