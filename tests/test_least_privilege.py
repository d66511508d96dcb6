"""Least privilege (issue 15): programme staff manage the programme, never accounts or their
privileges. Each crafted request reloads the accounts afterwards: nothing may have changed."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.forms import modelform_factory
from django.urls import reverse

from ozgeris.models import User
from ozgeris.staff_grants import grant_staff_permissions

STAFF = "Programme staff"


def _group(name):
    return Group.objects.get(name=name)


def _change_form(user, **fields):
    """What the user admin's change form posts for ``user``, with ``fields`` on top."""
    return {"email": user.email, "display_name": user.display_name,
            "preferred_language": user.preferred_language, "personal_data_consent_at_0": "",
            "personal_data_consent_at_1": "", "is_active": "on", **fields}


def _escalation():
    """Everything that would make an account an administrator."""
    return {"is_staff": "on", "is_superuser": "on",
            "groups": [_group(STAFF).pk, _group("Jury").pk],
            "user_permissions": list(Permission.objects.filter(
                content_type__app_label="auth").values_list("pk", flat=True))}


def _access(user):
    user = User.objects.get(pk=user.pk)
    return (user.email, user.is_staff, user.is_superuser,
            sorted(user.groups.values_list("name", flat=True)),
            list(user.user_permissions.all()))


@pytest.fixture
def manager(make_user):
    """Not a superuser, but given the right to change users by hand (a superuser's choice)."""
    user = make_user(email="manager@example.kz", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="ozgeris", codename__in=["view_user", "change_user"]))
    return user


@pytest.mark.django_db
def test_staff_cannot_make_themselves_superuser(client, staff):
    before = _access(staff)
    client.force_login(staff)

    response = client.post(reverse("admin:ozgeris_user_change", args=[staff.pk]),
                           _change_form(staff, **_escalation()))

    assert response.status_code == 403
    assert _access(staff) == before == (staff.email, True, False, [STAFF], [])


@pytest.mark.django_db
def test_staff_cannot_put_anyone_in_the_staff_group(client, staff, make_user):
    voter = make_user(email="voter@example.kz")
    client.force_login(staff)

    response = client.post(reverse("admin:ozgeris_user_change", args=[voter.pk]),
                           _change_form(voter, is_staff="on", groups=[_group(STAFF).pk]))

    assert response.status_code == 403
    assert _access(voter) == (voter.email, False, False, [], [])


@pytest.mark.django_db
def test_staff_see_an_account_read_only_and_never_set_its_password(client, staff, make_user):
    voter = make_user(email="voter@example.kz")
    client.force_login(staff)

    page = client.get(reverse("admin:ozgeris_user_change", args=[voter.pk]))
    password = client.get(reverse("admin:auth_user_password_change", args=[voter.pk]))

    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content and b'name="email"' not in page.content
    assert voter.password.encode() not in page.content  # the hash is never shown
    assert password.status_code == 403


@pytest.mark.django_db
def test_the_staff_group_holds_no_permission_over_accounts():
    grant_staff_permissions()

    held = set(_group(STAFF).permissions.values_list("content_type__app_label", "codename"))

    assert ("ozgeris", "view_user") in held  # looking people up (the jury's person picker)
    assert not held & {("ozgeris", "add_user"), ("ozgeris", "change_user"),
                       ("ozgeris", "delete_user")}
    assert not {app for app, _codename in held} & {"auth", "account", "socialaccount", "mfa"}
    assert ("applications", "change_application") in held  # the programme stays theirs


@pytest.mark.django_db
def test_migration_0007_takes_the_account_permissions_back_from_an_existing_database():
    migration = importlib.import_module(
        "ozgeris.migrations.0007_staff_lose_account_permissions")
    group = _group(STAFF)
    dangerous = Permission.objects.filter(
        content_type__app_label__in=["ozgeris", "auth", "account"],
        codename__in=["add_user", "change_user", "delete_user", "change_group",
                      "change_permission", "change_emailaddress"])
    group.permissions.add(*dangerous)

    migration.revoke(apps, schema_editor=None)

    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert len(dangerous) == 6 and not held & set(
        dangerous.values_list("content_type__app_label", "codename"))
    assert {("ozgeris", "view_user"), ("applications", "change_application")} <= held


@pytest.mark.django_db
def test_staff_cannot_open_or_edit_a_group_even_if_given_the_permission(client, staff):
    group = _group(STAFF)
    before = set(group.permissions.all())
    client.force_login(staff)
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403

    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="auth", codename__in=["view_group", "change_group"]))
    response = client.post(reverse("admin:auth_group_change", args=[group.pk]), {
        "name": STAFF, "permissions": list(Permission.objects.values_list("pk", flat=True))})

    assert response.status_code == 403
    assert set(group.permissions.all()) == before


@pytest.mark.django_db
def test_a_superuser_can_grant_staff_access(client, make_user):
    superuser = make_user(email="root@example.kz", is_staff=True, is_superuser=True)
    voter = make_user(email="voter@example.kz")
    client.force_login(superuser)

    response = client.post(reverse("admin:ozgeris_user_change", args=[voter.pk]),
                           _change_form(voter, is_staff="on", groups=[_group(STAFF).pk]))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _access(voter) == (voter.email, True, False, [STAFF], [])


@pytest.mark.django_db
def test_someone_allowed_to_change_users_changes_no_access_or_credential(client, manager,
                                                                          make_user):
    voter = make_user(email="voter@example.kz")
    client.force_login(manager)

    response = client.post(
        reverse("admin:ozgeris_user_change", args=[voter.pk]),
        _change_form(voter, email="manager+takeover@example.kz", display_name="Renamed",
                     **_escalation()))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=voter.pk).display_name == "Renamed"  # what they may change
    assert _access(voter) == (voter.email, False, False, [], [])


@pytest.mark.django_db
def test_someone_allowed_to_change_users_cannot_touch_an_admin_account_or_a_password(
        client, manager, staff, make_user):
    voter = make_user(email="voter@example.kz")
    before = _access(staff)
    client.force_login(manager)

    staff_change = client.post(reverse("admin:ozgeris_user_change", args=[staff.pk]),
                               _change_form(staff, is_active=""))
    password = client.post(reverse("admin:auth_user_password_change", args=[voter.pk]),
                           {"password1": "Taken-over-2031", "password2": "Taken-over-2031",
                            "usable_password": "true"})

    assert (staff_change.status_code, password.status_code) == (403, 403)
    assert _access(staff) == before and User.objects.get(pk=staff.pk).is_active
    assert User.objects.get(pk=voter.pk).check_password("Correct-horse-7")


@pytest.mark.django_db
def test_the_user_admin_refuses_access_changes_whatever_its_form_lets_through(rf, manager,
                                                                             make_user):
    """The second lock: even a form that carried them (a field made editable by mistake)
    cannot change an account's access for someone who is not a superuser."""
    voter = make_user(email="voter@example.kz")
    model_admin = admin.site._registry[User]
    request = rf.post("/")
    request.user = manager

    voter.is_superuser = True
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, voter, form=None, change=True)
    form = modelform_factory(User, fields=["groups"])(
        {"groups": [_group(STAFF).pk]}, instance=User.objects.get(pk=voter.pk))
    assert form.is_valid()
    with pytest.raises(PermissionDenied):
        model_admin.save_related(request, form, formsets=[], change=True)

    assert _access(voter) == (voter.email, False, False, [], [])


@pytest.mark.django_db
def test_staff_still_find_the_person_to_seat_on_the_jury(client, staff, programme, make_user):
    make_user(email="new.juror@example.kz", display_name="Жамиля Асанова")
    client.force_login(staff)

    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "jury", "model_name": "jurymember", "field_name": "user",
        "term": "new.juror"})

    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Жамиля Асанова"]
