"""The applicant's forms: eligibility check, organisation, application sections, documents."""

from pathlib import PurePosixPath

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ozgeris.models import Nomination
from ozgeris.uploads import EXTENSIONS, JPEG, PNG, check_public_file

from . import fields as application_fields
from .models import Application, LegalForm, Organisation
from .organisations import IDENTITY_FIELDS


class CountedTextarea(forms.Textarea):
    """A textarea that shows how many characters are left (static/js/apply.js)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 5, "data-counter": "", **(attrs or {})})


class EligibilityCheckForm(forms.Form):
    YES_NO = [("yes", _("Yes")), ("no", _("No"))]

    registered_non_profit = forms.ChoiceField(
        label=_("Is your organisation a non-profit registered in Kazakhstan?"),
        choices=YES_NO, widget=forms.RadioSelect,
    )
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    full_financial_year = forms.ChoiceField(
        label=_("Has your organisation worked for at least one full financial year?"),
        choices=YES_NO, widget=forms.RadioSelect,
    )
    has_entrepreneurial_income = forms.ChoiceField(
        label=_("Does it earn income from selling goods or services (entrepreneurial activity)?"),
        choices=YES_NO, widget=forms.RadioSelect,
    )


class OrganisationForm(forms.ModelForm):
    # Longer than a BIN so that "1901 4000 1239" reaches clean_bin and loses its spaces.
    bin = forms.CharField(label=_("BIN"), max_length=20,
                          help_text=_("Business identification number: 12 digits."),
                          widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                        "autocomplete": "off"}))

    class Meta:
        model = Organisation
        fields = ["name", "legal_form", "bin", "region", "city", "address", "website",
                  "social_links", "contact_person", "contact_email", "phone", "year_founded"]
        widgets = {
            "social_links": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, locked_identity=False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked_identity:
            # Submitted applications name the organisation by these: they stay as submitted.
            for name in IDENTITY_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once an application was submitted.")

    def clean_bin(self):
        return self.cleaned_data["bin"].strip().replace(" ", "")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"))


class StartApplicationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    nomination = forms.ModelChoiceField(label=_("Nomination"), queryset=None)

    def __init__(self, *args, organisations, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["nomination"].queryset = programme.nominations.filter(
            kind=Nomination.Kind.NGO)


def _counted_widgets():
    """Text the applicant types shows how many characters are left; a link, a number or a
    yes/no is not counted."""
    widgets = {}
    for name in application_fields.names():
        model_field = Application._meta.get_field(name)
        if isinstance(model_field, models.TextField):
            widgets[name] = CountedTextarea()
        elif type(model_field) is models.CharField:  # not URLField or EmailField
            widgets[name] = forms.TextInput(attrs={"data-counter": ""})
    return widgets


class ApplicationForm(forms.ModelForm):
    """Every section of the application, as ``applications.fields`` declares them. Nothing is
    required to save a draft; what a submission needs is checked by the service's checklist."""

    class Meta:
        model = Application
        fields = application_fields.names()
        widgets = _counted_widgets() | {
            # The two figures of the 80/20 share the page computes as they are typed.
            "total_income": forms.NumberInput(attrs={"min": 0, "step": 1, "data-income": "total"}),
            "entrepreneurial_income": forms.NumberInput(
                attrs={"min": 0, "step": 1, "data-income": "entrepreneurial"}),
        }

    def clean(self):
        cleaned = super().clean()
        total, earned = cleaned.get("total_income"), cleaned.get("entrepreneurial_income")
        if total is not None and earned is not None and earned > total:
            self.add_error("entrepreneurial_income",
                           _("Income from entrepreneurial activity cannot exceed total income."))
        return cleaned

    def sections(self):
        """(declared section, its bound fields) for the page and the PDF copy."""
        return [(section, [self[field.name] for field in section.fields])
                for section in application_fields.SECTIONS]


PHOTO_MAX_BYTES = 5 * 1024 * 1024


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["pending_photo", "public_text_ru", "public_text_kk", "video_url"]
        # A plain file input: the photo awaiting approval is private (no URL to link to); the
        # page shows it through the members-only view.
        widgets = {"pending_photo": forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
                   "public_text_ru": CountedTextarea(), "public_text_kk": CountedTextarea()}

    def clean_pending_photo(self):
        photo = self.cleaned_data.get("pending_photo")
        if isinstance(photo, UploadedFile):
            # Checked as the public file it becomes once staff approve it, and stored as one:
            # under a name the server chooses, the uploaded stem slugged and the extension of
            # the type in its content (a PNG uploaded as "photo.eps" is stored as photo.png).
            # Publishing adds the random part (ozgeris.storage.public_name).
            kind = check_public_file(photo, allowed=(JPEG, PNG), max_bytes=PHOTO_MAX_BYTES)
            stem = slugify(PurePosixPath(photo.name).stem.replace("_", " "))[:40].strip("-")
            photo.name = f"{stem or 'photo'}{EXTENSIONS[kind]}"
        return photo
