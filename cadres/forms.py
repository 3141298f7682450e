"""Portal forms of 队伍建设 (crispy, one column, phone-first, native date inputs)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from chengjiang.forms import CleanTextMixin

from .models import MentoringLog, VillageCadre
from .selectors import SheetPeriod

MSG_BAD_PERIOD = _("Give a month such as 2024-10 or a quarter such as 2024-Q4.")


class AllowancePeriodForm(CleanTextMixin, forms.Form):
    """The allowance sheet's 期间 (GET): a month or a quarter; anything else is a form error."""

    period = forms.CharField(label=_("Month or quarter"), max_length=16, required=False)

    def clean_period(self) -> SheetPeriod:
        code = self.cleaned_data["period"]
        try:
            return SheetPeriod.parse(code)
        except ValueError as exc:
            raise forms.ValidationError(MSG_BAD_PERIOD, code="period") from exc


class MentoringLogForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = MentoringLog
        fields = ("date", "mentor", "content")
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "content": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, pairing, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.pairing = pairing
        mentors = getattr(pairing, "_prefetched_objects_cache", {}).get("mentors")
        self.fields["mentor"].queryset = (
            VillageCadre.objects.filter(pk__in=[m.pk for m in mentors])
            if mentors is not None
            else pairing.mentors.all()
        )
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("submit", _("Add log entry"), css_class="btn-danger btn-touch")
        )
