from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chengjiang import upload_limits
from chengjiang.forms import CleanTextMixin

from .models import ManualStatus, Section, param_values
from .report import validate_wording


class ReportDraftForm(CleanTextMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    opening = forms.CharField(label=Section.OPENING.label, widget=forms.Textarea(attrs={"rows": 4}))
    organization = forms.CharField(
        label=Section.ORGANIZATION.label, widget=forms.Textarea(attrs={"rows": 10})
    )
    team = forms.CharField(label=Section.TEAM.label, widget=forms.Textarea(attrs={"rows": 10}))
    position = forms.CharField(
        label=Section.POSITION.label, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save wording"), css_class="btn-touch"))

    def _clean_wording(self, name):
        value = self.cleaned_data[name]
        try:
            validate_wording(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return value

    def clean_title(self):
        return self._clean_wording("title")

    def clean_opening(self):
        return self._clean_wording("opening")

    def clean_organization(self):
        return self._clean_wording("organization")

    def clean_team(self):
        return self._clean_wording("team")

    def clean_position(self):
        return self._clean_wording("position")


class ManualStatusForm(CleanTextMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ManualStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save status"), css_class="btn-touch"))


class EvidenceForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=_("File (JPEG, PNG or PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        upload_limits.apply(self.fields["file"])
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Attach evidence"), css_class="btn-touch"))


class ImportForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=_("The district's checklist sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("preview", _("Preview"), css_class="btn-touch"))


MSG_BAD_YEAR = _("The year must be a number from 2000 to 2100.")
MSG_BAD_MONTH = _("The month must be a number from 1 to 12.")
MSG_BAD_PAGE = _("The page must be a whole number from 1.")
MSG_BAD_ID = _("The organisation or village is not a valid number.")
MSG_BAD_VALUE = _("“%(value)s” is not one of this figure's choices.")


def _int_field(low, high, message):
    messages = {"invalid": message, "min_value": message, "max_value": message}
    return forms.IntegerField(
        required=False, min_value=low, max_value=high, error_messages=messages
    )


class DrilldownForm(CleanTextMixin, forms.Form):
    """The drill-down's query string: the year, an optional month, page, village and
    organisation, and the measure's own parameters (each one of its declared values)."""

    year = _int_field(2000, 2100, MSG_BAD_YEAR)
    month = _int_field(1, 12, MSG_BAD_MONTH)
    page = _int_field(1, 10**9, MSG_BAD_PAGE)
    village = _int_field(1, 2**31 - 1, MSG_BAD_ID)
    org = _int_field(1, 2**31 - 1, MSG_BAD_ID)

    def __init__(self, data, *, measure):
        super().__init__(data)
        self.measure = measure
        for name, choices in measure.params.items():
            allowed = param_values(choices)
            if allowed is None:
                self.fields[name] = forms.CharField(required=False, max_length=100)
            else:
                self.fields[name] = forms.ChoiceField(
                    required=False,
                    choices=[("", "")] + [(v, v) for v in sorted(allowed)],
                    error_messages={"invalid_choice": MSG_BAD_VALUE},
                )

    def params(self) -> dict:
        """The measure's parameters that were given."""
        return {
            name: self.cleaned_data[name]
            for name in self.measure.params
            if self.cleaned_data.get(name)
        }
