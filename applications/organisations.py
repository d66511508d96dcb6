"""Organisations and the people who act for them: creating and editing an organisation,
inviting a member, accepting, revoking an invitation, taking a member off. Each function runs
in one transaction and writes an audit entry; mail goes through the outbox. Applications and
their status machine are ``applications.services``."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit, outbox
from ozgeris.emails import canonical_email
from ozgeris.links import portal_link

from . import permissions
from .models import Application, Invitation, Membership, Organisation, Status
from .services import ApplicationError


@transaction.atomic
def create_organisation(*, by, now=None, **fields):
    """Create an organisation with ``by`` as its first member. Side effects: audit entry."""
    moment = now or timezone.now()
    organisation = Organisation(created_at=moment, **fields)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=by, role=Membership.Role.OWNER,
                              joined_at=moment)
    audit.record(by, "organisation.created", organisation, at=now)
    return organisation


# What names the organisation to the jury and the public (the finalists' pages, the share
# cards, the registry): as submitted once an application was, so that no finalist renames
# itself or points its website elsewhere during the vote. Staff correct them in the admin.
IDENTITY_FIELDS = ("name", "legal_form", "bin", "region", "city", "website")


def identity_locked(organisation):
    """Once an application was submitted, the IDENTITY_FIELDS stay as submitted."""
    return organisation.applications.exclude(status=Status.DRAFT).exists()


@transaction.atomic
def update_organisation(*, organisation, changed, by):
    """Save the organisation's edited details (the form has set them). Side effects: an audit
    entry naming the changed fields."""
    if identity_locked(organisation) and set(IDENTITY_FIELDS) & set(changed):
        raise ApplicationError(_("The organisation's name, legal form, BIN, region, city and "
                                 "website cannot change after submission: ask the programme "
                                 "staff to correct them."))
    organisation.full_clean()
    organisation.save()
    audit.record(by, "organisation.updated", organisation, fields=sorted(changed))
    return organisation


def in_registry(organisation):
    """Whether the public registry lists ``organisation`` (``directory.listed_applications``)."""
    from .directory import listed_applications

    return listed_applications().filter(organisation=organisation).exists()


@transaction.atomic
def leave_registry(*, organisation, by):
    """Take ``organisation`` out of the public registry when a member asks: the consent to be
    listed is withdrawn whenever they like, also after the deadline, when the application's
    form no longer changes. Side effects: every application's ``registry_consent`` cleared, an
    audit entry ``organisation.registry_left``."""
    count = Application.objects.filter(organisation=organisation,
                                       registry_consent=True).update(registry_consent=False)
    audit.record(by, "organisation.registry_left", organisation, applications=count)
    return count


# The invitation form mails any address the organisation's name, in the portal's own name: one
# address gets one invitation of an organisation a day, and a person sends so many a day.
INVITATION_REPEAT = timedelta(days=1)
INVITATIONS_PER_DAY = 20
# An invitation is accepted within this long of being sent: a link found in an old mailbox
# (of someone who has since left the organisation, say) no longer lets anyone in.
INVITATION_VALID = timedelta(days=14)


@transaction.atomic
def invite_member(*, organisation, email, by):
    """Invite someone by email to act for the organisation. Side effects: an invitation,
    an email through the outbox with the link that accepts it, an audit entry. Refused for a
    member, for an address invited in the last day (the invitation sent is still good), and
    past ``INVITATIONS_PER_DAY`` invitations of the person in a day."""
    if organisation.members.filter(email__iexact=email).exists():
        raise ApplicationError(_("This person is already a member of the organisation."))
    # One request at a time per inviter: a double click or a script cannot pass the checks twice.
    get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=by.pk)
    recent = Invitation.objects.filter(created_at__gte=timezone.now() - INVITATION_REPEAT)
    if recent.pending().filter(organisation=organisation, email__iexact=email).exists():
        raise ApplicationError(_("An invitation to this address was sent less than a day ago; "
                                 "its link still works."))
    if recent.filter(invited_by=by).count() >= INVITATIONS_PER_DAY:
        raise ApplicationError(_("You have sent as many invitations as a day allows. Try again "
                                 "tomorrow."))
    invitation = Invitation.objects.create(organisation=organisation, email=email, invited_by=by)
    outbox.queue_templated_email(
        to=[email],
        template="applications/email/invitation",
        context={"organisation": organisation, "by": by,
                 "url": portal_link("applications:accept_invitation", args=[invitation.token])},
        language=by.preferred_language,
        purpose="applications:invitation",
    )
    audit.record(by, "organisation.invited", organisation, email=email)
    return invitation


@transaction.atomic
def accept_invitation(*, invitation, user):
    """Join the organisation. The invitation is for one address; a signed-in person with
    another address cannot use it, and it is good for ``INVITATION_VALID`` unless revoked, or
    its sender is no longer a member (removed by a way that did not revoke it: the admin's
    inline, say). The row is locked, so an acceptance and a revocation happen one after the
    other. Side effects: a membership, the invitation used, an audit entry."""
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(
        pk=invitation.pk)
    if invitation.accepted_at:
        raise ApplicationError(_("This invitation has already been used."))
    if invitation.revoked_at or not _sender_still_member(invitation):
        raise ApplicationError(_("This invitation was withdrawn by the organisation. Ask it "
                                 "for a new one."))
    if invitation.created_at < timezone.now() - INVITATION_VALID:
        raise ApplicationError(_("This invitation has expired. Ask the organisation for a new "
                                 "one."))
    if canonical_email(invitation.email) != canonical_email(user.email):
        raise ApplicationError(
            _("This invitation was sent to another email address. Sign in with that address.")
        )
    Membership.objects.get_or_create(organisation=invitation.organisation, user=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(user, "organisation.joined", invitation.organisation)
    return invitation.organisation


def _sender_still_member(invitation):
    return Membership.objects.filter(organisation_id=invitation.organisation_id,
                                     user_id=invitation.invited_by_id).exists()


def may_revoke_invitation(user, invitation):
    """Any member of the organisation: who may invite may revoke (``Membership.role`` only
    records who created the organisation and grants nothing)."""
    return permissions.organisations_for(user).filter(pk=invitation.organisation_id).exists()


@transaction.atomic
def revoke_invitation(*, invitation, by):
    """Withdraw an invitation not yet accepted: its link grants nothing from now on. Refused
    to anyone but a member of its organisation, and for one already accepted; one already
    revoked stays as it was (a double click). Side effects: ``revoked_at`` and ``revoked_by``,
    an audit entry ``organisation.invitation_revoked``."""
    if not may_revoke_invitation(by, invitation):
        raise ApplicationError(_("Only a member of the organisation may revoke its "
                                 "invitations."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ApplicationError(_("This invitation has already been accepted."))
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = by
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(by, "organisation.invitation_revoked", invitation.organisation,
                 email=invitation.email)
    return invitation


@transaction.atomic
def remove_member(*, organisation, user, by):
    """Take ``user`` off ``organisation``, and revoke its pending invitations that they sent
    (a person who left lets no one in) or that are addressed to any spelling of their mailbox
    (a second invitation would let them straight back in). Side effects: the membership
    deleted, the invitations revoked (``revoked_by`` is ``by``), an audit entry
    ``organisation.member_removed`` naming the addresses whose invitations were revoked."""
    deleted, _rows = Membership.objects.filter(organisation=organisation, user=user).delete()
    if not deleted:
        raise ApplicationError(_("This person is not a member of the organisation."))
    pending = Invitation.objects.select_for_update().pending().filter(organisation=organisation)
    theirs = [invitation.pk for invitation in pending.only("pk", "email", "invited_by_id")
              if invitation.invited_by_id == user.pk
              or canonical_email(invitation.email) == user.canonical_email]
    revoked = sorted(Invitation.objects.filter(pk__in=theirs).values_list("email", flat=True))
    Invitation.objects.filter(pk__in=theirs).update(revoked_at=timezone.now(), revoked_by=by)
    audit.record(by, "organisation.member_removed", organisation, user=user.pk,
                 revoked_invitations=revoked)


def revoke_sent_invitations(user):
    """An account being deleted (``ozgeris.services.delete_account``) lets no one in after it:
    the invitations it sent that are still pending are revoked (by the person themselves). Its
    memberships stay, anonymised, for the applications it wrote."""
    Invitation.objects.pending().filter(invited_by=user).update(revoked_at=timezone.now(),
                                                               revoked_by=user)
