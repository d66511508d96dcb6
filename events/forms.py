from django import forms

from .models import Contract
from .validators import compact, without_bidi_controls


class ContractDetailsForm(forms.ModelForm):
    """The winning organisation's signatory and bank details, all required."""

    class Meta:
        model = Contract
        fields = Contract.DETAIL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True

    def clean_iik(self):
        return compact(self.cleaned_data["iik"])

    def clean_bik(self):
        return compact(self.cleaned_data["bik"])

    def clean_kbe(self):
        return compact(self.cleaned_data["kbe"])

    def clean(self):
        """Direction controls go (as the service drops them), and a field of nothing else is
        empty, so required."""
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            cleaned[name] = without_bidi_controls(value).strip()
            if not cleaned[name]:
                self.add_error(name, self.fields[name].error_messages["required"])
        return cleaned
