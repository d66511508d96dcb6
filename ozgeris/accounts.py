"""django-allauth adapters: who may sign up, and which social emails we trust."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import outbox
from .emails import canonical_email, is_disposable
from .models import User


def disposable_refusal(address):
    if is_disposable(address):
        return _(
            "Addresses at temporary mailbox services are not accepted. "
            "Please use an address you will keep."
        )
    return None


def duplicate_refusal(address):
    if User.objects.filter(canonical_email=canonical_email(address)).exists():
        return _(
            "An account with this email address (or another spelling of the same "
            "mailbox) already exists. Log in or reset your password."
        )
    return None


def note_email_confirmed(request, email_address, **kwargs):
    """Remember when a login email was confirmed (allauth keeps no time of it)."""
    type(email_address.user).objects.filter(pk=email_address.user_id).update(
        email_verified_at=timezone.now())


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account mail (verification, password reset) leaves through the outbox, so an SMTP
        or broker outage delays it instead of failing the sign-up."""
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request),
             **context},
        )
        html_body = next(
            (body for body, mimetype in getattr(message, "alternatives", [])
             if mimetype == "text/html"),
            "",
        )
        outbox.queue_email(
            to=message.to,
            subject=message.subject,
            body=message.body,
            html_body=html_body,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            purpose=f"account:{template_prefix.rsplit('/', 1)[-1]}",
        )

    def clean_email(self, email):
        """Every address allauth accepts (sign-up, added addresses, social logins) is checked
        for a disposable domain. The duplicate check lives in the sign-up forms: allauth
        also calls this for the address of an account it has just created."""
        email = super().clean_email(email)
        refusal = disposable_refusal(email)
        if refusal:
            raise forms.ValidationError(refusal)
        return email


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        """Distrust the email of providers that do not verify it: we verify it ourselves."""
        if sociallogin.account.provider in settings.SOCIAL_PROVIDERS_WITH_UNVERIFIED_EMAIL:
            for address in sociallogin.email_addresses:
                address.verified = False
