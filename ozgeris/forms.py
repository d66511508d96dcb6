"""The spine's forms: sign-up with consent, profile, account deletion."""

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .accounts import duplicate_refusal
from .models import User


class OneAccountPerMailbox:
    """Sign-up forms (with a password, or after a social login): allauth finds the address
    itself; another spelling of a registered mailbox (a Gmail dot or +tag) is the same
    account. With ACCOUNT_PREVENT_ENUMERATION both go on like a new sign-up, and allauth mails
    the owner instead of creating an account (``account_already_exists``); without, the form
    says why."""

    def clean_email(self):
        email = super().clean_email()
        refusal = duplicate_refusal(email)
        if refusal:
            if not allauth_settings.PREVENT_ENUMERATION:
                raise forms.ValidationError(refusal)
            self.account_already_exists = True
        return email


def _consent_label():
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "I agree to the processing of my personal data under the Law of the Republic "
            "of Kazakhstan “On personal data and their protection”, as described in the"
        ),
        reverse_lazy("privacy"),
        _("privacy notice"),
    )


class SignupForm(OneAccountPerMailbox, AllauthSignupForm):
    display_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    consent = forms.BooleanField(
        label=lazy(_consent_label, SafeString)(),
        required=True,
        error_messages={"required": _("Sign-up needs your consent to process personal data.")},
    )

    field_order = ["display_name", "email", "password1", "password2", "consent"]

    def try_save(self, request):
        """A new account's password is hashed, which takes a while on purpose: an address already
        registered has its (unused) password hashed too, so that the answer does not come back
        sooner and tell it apart."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data.get("display_name", "")
        user.personal_data_consent_at = timezone.now()
        user.preferred_language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        user.save(update_fields=["display_name", "personal_data_consent_at", "preferred_language"])
        return user


class SocialSignupForm(OneAccountPerMailbox, AllauthSocialSignupForm):
    """Shown when a social login cannot sign up on its own (its email is refused or missing)."""

    consent = SignupForm.base_fields["consent"]

    def save(self, request):
        user = super().save(request)
        user.personal_data_consent_at = timezone.now()
        user.save(update_fields=["personal_data_consent_at"])
        return user


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language"]


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput, required=False, strip=False
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and personal data will be deleted."), required=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password
