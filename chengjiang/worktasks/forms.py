from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chengjiang import upload_limits
from chengjiang.forms import CleanTextMixin

from .models import ManualStatus, Section
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
