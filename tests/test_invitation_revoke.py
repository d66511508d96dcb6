"""Revoking an organisation's invitation: by hand (the "Revoke" button beside a pending one)
and when the member who sent it is removed. A revoked invitation's link grants nothing."""

import pytest
from django.urls import reverse

from applications import organisations, services
from applications.models import Invitation
from ozgeris.models import AuditEvent

from .factories import OrganisationFactory, admin_change_form_data

WITHDRAWN_EN = "This invitation was withdrawn by the organisation. Ask it for a new one."
WITHDRAWN_RU = "Это приглашение отозвано организацией. Попросите у неё новое."


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@example.kz", preferred_language="en")


@pytest.fixture
def organisation(owner):
    return OrganisationFactory(members=[owner])


@pytest.fixture
def invitation(organisation, owner):
    return organisations.invite_member(organisation=organisation, email="new@example.kz", by=owner)


def _page(organisation):
    return reverse("applications:organisation", args=[organisation.pk])


def _accept(invitation):
    return reverse("applications:accept_invitation", args=[invitation.token])


@pytest.mark.django_db
def test_a_member_revokes_a_pending_invitation_with_the_button(
        client, owner, organisation, invitation, english):
    client.force_login(owner)
    page = client.get(_page(organisation)).content.decode()
    assert f'name="revoke" value="{invitation.pk}"' in page

    response = client.post(_page(organisation), {"revoke": invitation.pk}, follow=True)

    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None, invitation.revoked_by) == (True, owner)
    assert "was revoked" in response.content.decode()
    assert 'name="revoke"' not in response.content.decode()  # no longer pending
    event = AuditEvent.objects.get(action="organisation.invitation_revoked")
    assert (event.actor, event.object_id, event.details) == (
        owner, str(organisation.pk), {"email": "new@example.kz"})


@pytest.mark.django_db
def test_any_member_may_revoke_not_only_the_one_who_invited(
        client, make_user, organisation, invitation):
    """``Membership.role`` grants nothing: who may invite may revoke."""
    colleague = make_user(email="colleague@example.kz")
    organisation.membership_set.create(user=colleague)
    client.force_login(colleague)

    client.post(_page(organisation), {"revoke": invitation.pk})

    invitation.refresh_from_db()
    assert invitation.revoked_by == colleague


@pytest.mark.django_db
def test_a_member_of_another_organisation_cannot_revoke(client, make_user, invitation):
    intruder = make_user(email="intruder@example.kz")
    own = OrganisationFactory(members=[intruder])
    client.force_login(intruder)

    # Through the victim's page (not theirs) or through their own (not its invitation).
    on_theirs = client.post(_page(invitation.organisation), {"revoke": invitation.pk})
    on_own = client.post(_page(own), {"revoke": invitation.pk})

    assert (on_theirs.status_code, on_own.status_code) == (404, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditEvent.objects.filter(action="organisation.invitation_revoked").exists()


@pytest.mark.django_db
def test_the_service_refuses_a_non_member(make_user, invitation, english):
    intruder = make_user(email="intruder@example.kz")

    with pytest.raises(services.ApplicationError, match="Only a member"):
        organisations.revoke_invitation(invitation=invitation, by=intruder)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_a_get_revokes_nothing(client, owner, organisation, invitation):
    client.force_login(owner)

    response = client.get(_page(organisation), {"revoke": invitation.pk})

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "", "9" * 30, "-1"])
def test_a_hostile_revoke_value_is_not_found(client, owner, organisation, invitation, value):
    client.force_login(owner)

    assert client.post(_page(organisation), {"revoke": value}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_the_accept_link_of_a_revoked_invitation_grants_nothing_and_says_why(
        client, make_user, owner, organisation, invitation):
    organisations.revoke_invitation(invitation=invitation, by=owner)
    invited = make_user(email="new@example.kz")
    client.force_login(invited)

    page = client.get(_accept(invitation)).content.decode()
    response = client.post(_accept(invitation))

    assert response.status_code == 200
    assert WITHDRAWN_RU in page and WITHDRAWN_RU in response.content.decode()  # ru by default
    assert "<button" not in page.split("<h1>", 1)[1].split("</div>", 1)[0]  # nothing to accept
    assert not organisation.members.filter(pk=invited.pk).exists()
    assert not AuditEvent.objects.filter(action="organisation.joined").exists()


@pytest.mark.django_db
def test_an_accepted_invitation_cannot_be_revoked(make_user, owner, invitation, english):
    organisations.accept_invitation(invitation=invitation, user=make_user(email="new@example.kz"))

    with pytest.raises(services.ApplicationError, match="already been accepted"):
        organisations.revoke_invitation(invitation=invitation, by=owner)


@pytest.mark.django_db
def test_the_address_may_be_invited_again_once_revoked(owner, organisation, invitation):
    organisations.revoke_invitation(invitation=invitation, by=owner)

    again = organisations.invite_member(organisation=organisation, email="new@example.kz", by=owner)

    assert again.pk != invitation.pk and again.revoked_at is None


@pytest.mark.django_db
def test_removing_a_member_revokes_the_invitations_they_sent(
        make_user, staff, owner, organisation, invitation, english):
    colleague = make_user(email="colleague@example.kz")
    organisation.membership_set.create(user=colleague)
    theirs = organisations.invite_member(organisation=organisation, email="theirs@example.kz",
                                         by=colleague)
    other = OrganisationFactory(members=[colleague])
    elsewhere = organisations.invite_member(organisation=other, email="x@example.kz", by=colleague)

    organisations.remove_member(organisation=organisation, user=colleague, by=staff)

    states = {item.email: (item.revoked_at is not None, item.revoked_by)
              for item in Invitation.objects.filter(pk__in=[invitation.pk, theirs.pk,
                                                            elsewhere.pk])}
    assert states == {"theirs@example.kz": (True, staff),
                      "new@example.kz": (False, None),  # the owner's stands
                      "x@example.kz": (False, None)}  # the other organisation's stands
    assert not organisation.members.filter(pk=colleague.pk).exists()
    event = AuditEvent.objects.get(action="organisation.member_removed")
    assert event.details == {"user": colleague.pk, "revoked_invitations": ["theirs@example.kz"]}
    with pytest.raises(services.ApplicationError, match="withdrawn"):
        organisations.accept_invitation(invitation=theirs,
                                        user=make_user(email="theirs@example.kz"))


@pytest.mark.django_db
def test_removal_and_revocation_are_one_transaction(
        monkeypatch, make_user, staff, organisation, english):
    colleague = make_user(email="colleague@example.kz")
    organisation.membership_set.create(user=colleague)
    theirs = organisations.invite_member(organisation=organisation, email="theirs@example.kz",
                                         by=colleague)

    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(organisations.audit, "record", fail)
    with pytest.raises(RuntimeError):
        organisations.remove_member(organisation=organisation, user=colleague, by=staff)

    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert organisation.members.filter(pk=colleague.pk).exists()


@pytest.mark.django_db
def test_an_invitation_from_someone_no_longer_a_member_grants_nothing(
        make_user, owner, organisation, english):
    """A member taken off by a way that did not revoke (the admin's inline deletes the row):
    their invitation still lets no one in."""
    colleague = make_user(email="colleague@example.kz")
    organisation.membership_set.create(user=colleague)
    theirs = organisations.invite_member(organisation=organisation, email="theirs@example.kz",
                                         by=colleague)
    organisation.membership_set.filter(user=colleague).delete()
    invited = make_user(email="theirs@example.kz")

    with pytest.raises(services.ApplicationError, match="withdrawn"):
        organisations.accept_invitation(invitation=theirs, user=invited)
    assert not organisation.members.filter(pk=invited.pk).exists()


@pytest.mark.django_db
def test_staff_taking_a_member_off_in_the_admin_revokes_their_invitations(
        client, make_user, staff, owner, organisation):
    colleague = make_user(email="colleague@example.kz")
    membership = organisation.membership_set.create(user=colleague)
    theirs = organisations.invite_member(organisation=organisation, email="theirs@example.kz",
                                         by=colleague)
    client.force_login(staff)
    url = reverse("admin:applications_organisation_change", args=[organisation.pk])
    data = admin_change_form_data(client.get(url))
    row = next(key[:-len("-id")] for key, value in data.items()
               if key.endswith("-id") and str(value) == str(membership.pk))
    data[f"{row}-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    assert not organisation.members.filter(pk=colleague.pk).exists()
    theirs.refresh_from_db()
    assert (theirs.revoked_at is not None, theirs.revoked_by) == (True, staff)
    assert AuditEvent.objects.filter(action="organisation.member_removed").exists()


@pytest.mark.django_db
def test_a_member_another_staff_member_took_off_meanwhile_is_said_so_not_a_server_error(
        client, make_user, staff, owner, organisation, monkeypatch):
    colleague = make_user(email="colleague@example.kz")
    membership = organisation.membership_set.create(user=colleague)
    client.force_login(staff)
    client.cookies["ozgeris_language"] = "en"
    url = reverse("admin:applications_organisation_change", args=[organisation.pk])
    data = admin_change_form_data(client.get(url))
    row = next(key[:-len("-id")] for key, value in data.items()
               if key.endswith("-id") and str(value) == str(membership.pk))
    data[f"{row}-DELETE"] = "on"
    remove_member = organisations.remove_member

    def after_the_other_page(**kwargs):  # the other staff member's save lands first
        remove_member(**kwargs)
        return remove_member(**kwargs)

    monkeypatch.setattr(organisations, "remove_member", after_the_other_page)

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "This person is not a member of the organisation." in response.content.decode()
    assert list(organisation.members.all()) == [owner]


@pytest.mark.django_db
def test_deleting_the_account_that_sent_an_invitation_revokes_it(make_user, owner,
                                                                 organisation, invitation):
    from ozgeris.services import delete_account

    delete_account(user=owner)

    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None, invitation.revoked_by) == (True, owner)


@pytest.mark.django_db
def test_a_removed_member_is_not_let_back_in_by_a_second_invitation_to_them(
        make_user, staff, owner, organisation):
    from datetime import timedelta

    first = organisations.invite_member(organisation=organisation, email="b@example.kz",
                                        by=owner)
    Invitation.objects.filter(pk=first.pk).update(
        created_at=first.created_at - timedelta(days=2))  # a day later the owner may resend
    second = organisations.invite_member(organisation=organisation, email="B@example.kz",
                                         by=owner)
    member = make_user(email="b@example.kz")
    organisations.accept_invitation(invitation=first, user=member)

    organisations.remove_member(organisation=organisation, user=member, by=staff)

    with pytest.raises(services.ApplicationError):
        organisations.accept_invitation(invitation=second, user=member)
    assert not organisation.members.filter(pk=member.pk).exists()
