from django import forms

from .models import Contract
from .validators import compact


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
