"""The jury's configuration is fixed once the jury has started, in the admin and in the
services (jury.configuration): the blind rule and the ranking once scoring has started, a
seat's person and programme always (and the seat itself once it has taken part), the
criteria's weights once a sheet exists. Staff, also staff who sit on the jury, are told why
on the page."""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from jury import configuration, services
from jury.models import Conflict, Criterion, JuryMember, JurySettings, ScoreSheet
from jury.results import results
from ozgeris.models import AuditEvent
from ozgeris.reader_seats import may_read_export

from .factories import admin_change_form_data, juror, seat
from .test_jury_exports import add_applications


def _visible_sheet_ids(client):
    page = client.get(reverse("admin:jury_scoresheet_changelist"))
    assert page.status_code == 200
    return {sheet.pk for sheet in page.context["cl"].result_list}


def _shown(response, text):
    return html.escape(str(text)) in response.content.decode()


def _in_kazakh(client, note):
    """The note as the admin shows it to someone who reads it in Kazakh."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "kk"
    with translation.override("kk"):
        return note()


def _post_change(client, url, **changes):
    return client.post(url, {**admin_change_form_data(client.get(url)), **changes})


@pytest.fixture
def scored(programme, make_user, staff):
    """Staff sit on the jury and have not scored yet; another juror has submitted a sheet."""
    own = seat(programme, staff)
    other = juror(programme, make_user, "Other")
    [application] = add_applications(programme, [other], staff, ["Scored Fund"])
    return own, other, application, ScoreSheet.objects.get(juror=other, application=application)


# ---------------------------------------------------------------------------
# The jury settings: the blind rule and the ranking
# ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_staff_juror_cannot_lift_blind_scoring_in_the_admin(client, programme, staff, scored):
    _own, _other, _application, other_sheet = scored
    settings = services.settings_for(programme)
    url = reverse("admin:jury_jurysettings_change", args=[settings.pk])
    client.force_login(staff)
    assert other_sheet.pk not in _visible_sheet_ids(client)
    note = _in_kazakh(client, configuration.settings_fixed_note)

    page = client.get(url)
    response = client.post(url, {**admin_change_form_data(page),
                                 "others_scores_visible": "always", "ranking": "normalised",
                                 "feedback_shows_scores": "on"})

    assert page.status_code == 200 and _shown(page, note)
    assert b'name="others_scores_visible"' not in page.content
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.others_scores_visible, settings.ranking, settings.feedback_shows_scores) == (
        "after_own", "raw", True)
    assert other_sheet.pk not in _visible_sheet_ids(client)
    event = AuditEvent.objects.get(action="jury.settings_changed", object_id=str(settings.pk))
    assert event.details["changes"] == {"feedback_shows_scores": ["False", "True"]}


@pytest.mark.django_db
def test_settings_cannot_be_added_or_deleted_once_scoring_started(client, programme, staff,
                                                                  scored):
    client.force_login(staff)
    added = client.post(reverse("admin:jury_jurysettings_add"), {
        "programme": programme.pk, "others_scores_visible": "always", "ranking": "raw"})

    assert added.status_code == 200
    assert _shown(added, configuration.settings_fixed_note())
    assert not JurySettings.objects.filter(programme=programme).exists()

    settings = services.settings_for(programme)
    deleted = client.post(reverse("admin:jury_jurysettings_delete", args=[settings.pk]),
                          {"post": "yes"}, follow=True)

    assert deleted.status_code == 200 and _shown(deleted, configuration.settings_fixed_note())
    assert JurySettings.objects.filter(pk=settings.pk).exists()


@pytest.mark.django_db
def test_the_settings_service_refuses_the_blind_rule_once_scoring_started(
        programme, open_programme, staff, scored):
    settings = services.settings_for(programme)
    settings.others_scores_visible = JurySettings.Blind.ALWAYS

    with pytest.raises(services.JuryError, match=re.escape(configuration.settings_fixed_note())):
        configuration.save_settings(settings=settings, by=staff)
    assert JurySettings.objects.get(pk=settings.pk).others_scores_visible == "after_own"


@pytest.mark.django_db
def test_the_settings_change_freely_and_logged_before_scoring(open_programme, staff):
    settings = services.settings_for(open_programme)  # scoring opens in eleven days
    settings.others_scores_visible = JurySettings.Blind.NEVER

    configuration.save_settings(settings=settings, by=staff)

    assert JurySettings.objects.get(pk=settings.pk).others_scores_visible == "never"
    event = AuditEvent.objects.get(action="jury.settings_changed", object_id=str(settings.pk))
    assert event.details["changes"] == {"others_scores_visible": ["after_own", "never"]}


# ---------------------------------------------------------------------------
# Jury seats: their person and programme
# ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_staff_juror_cannot_point_their_conflicted_seat_at_another_account(
        client, programme, staff, make_user, scored):
    own, _other, application, other_sheet = scored
    services.declare_conflict(juror=own, application=application, reason="I advise them",
                              by=staff)
    stand_in = make_user(email="stand-in@example.kz", display_name="Stand In")
    url = reverse("admin:jury_jurymember_change", args=[own.pk])
    client.force_login(staff)
    note = _in_kazakh(client, configuration.seat_fixed_note)

    page = client.get(url)
    client.post(url, {**admin_change_form_data(page), "user": stand_in.pk,
                      "programme": programme.pk})

    assert page.status_code == 200 and _shown(page, note)
    assert JuryMember.objects.get(pk=own.pk).user_id == staff.pk
    assert Conflict.objects.filter(juror__user=staff, application=application).exists()
    assert not may_read_export(staff, "scores", programme)
    assert other_sheet.pk not in _visible_sheet_ids(client)


@pytest.mark.django_db
def test_staff_change_a_jurors_role_but_not_whose_sheets_they_are(client, programme, staff,
                                                                  make_user, scored):
    _own, other, _application, other_sheet = scored
    someone = make_user(email="someone@example.kz", display_name="Someone Else")
    client.force_login(staff)

    _post_change(client, reverse("admin:jury_jurymember_change", args=[other.pk]),
                 user=someone.pk, role="chair")

    other.refresh_from_db()
    assert (other.user_id, other.role) == (other_sheet.juror.user_id, "chair")
    assert not someone.groups.filter(name="Jury").exists()
    event = AuditEvent.objects.get(action="jury.member_changed")
    assert event.details == {"juror": other.user_id, "changes": {"role": ["member", "chair"]}}


@pytest.mark.django_db
def test_the_seat_service_keeps_a_seat_to_its_person_and_seats_only_new_ones(
        programme, staff, make_user):
    person = make_user(email="person@example.kz", display_name="Person")
    member = configuration.seat_juror(member=JuryMember(programme=programme, user=person,
                                                        affiliation="Independent"), by=staff)
    assert person.groups.filter(name="Jury").exists()
    person.groups.remove(Group.objects.get(name="Jury"))
    member.user = make_user(email="other@example.kz", display_name="Other")

    with pytest.raises(services.JuryError, match=re.escape(configuration.seat_fixed_note())):
        configuration.seat_juror(member=member, by=staff)

    member = JuryMember.objects.get(pk=member.pk)
    member.role = JuryMember.Role.CHAIR
    configuration.seat_juror(member=member, by=staff)
    assert JuryMember.objects.get(pk=member.pk).user_id == person.pk
    assert not person.groups.filter(name="Jury").exists()  # a change seats no one


@pytest.mark.django_db
def test_a_seat_that_declared_a_conflict_is_not_deleted_with_it(
        client, programme, staff, make_user, scored):
    """Deleted, the seat would take its conflicts with it: seated again, the person would
    stand aside on nothing. A seat that has not taken part is deleted; none in bulk."""
    own, _other, application, _sheet = scored
    services.declare_conflict(juror=own, application=application, reason="I advise them",
                              by=staff)
    unused = configuration.seat_juror(member=JuryMember(
        programme=programme, user=make_user(email="unused@example.kz")), by=staff)
    client.force_login(staff)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("admin:jury_jurymember_delete", args=[own.pk]),
                           {"post": "yes"}, follow=True)

    assert "it stays, with its record" in response.content.decode()
    assert Conflict.objects.filter(juror=own, application=application).exists()
    changelist = client.get(reverse("admin:jury_jurymember_changelist"))
    assert changelist.status_code == 200 and b'value="delete_selected"' not in changelist.content
    client.post(reverse("admin:jury_jurymember_delete", args=[unused.pk]), {"post": "yes"})
    assert not JuryMember.objects.filter(pk=unused.pk).exists()


# ---------------------------------------------------------------------------
# Criteria: what the totals rest on
# ---------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("sits_on_the_jury", [False, True])
def test_weights_are_fixed_once_sheets_exist_and_titles_stay_editable(
        client, programme, staff, make_user, sits_on_the_jury):
    if sits_on_the_jury:
        seat(programme, staff)
    members = [juror(programme, make_user, name) for name in ("Ana", "Bek")]
    add_applications(programme, members, staff, ["First Fund", "Second Fund", "Third Fund"])
    services.apply_cut(programme=programme, top_n=1, by=staff)
    before = [(r.application.pk, r.total) for r in results(programme)]
    social = Criterion.objects.get(programme=programme, code="social-impact")
    url = reverse("admin:jury_criterion_change", args=[social.pk])
    client.force_login(staff)
    note = _in_kazakh(client, configuration.criteria_fixed_note)

    page = client.get(url)
    response = client.post(url, {**admin_change_form_data(page), "weight": "9",
                                 "title_en": "Social change"})

    assert page.status_code == 200 and _shown(page, note)
    assert b'name="weight"' not in page.content
    assert response.status_code == 302
    social.refresh_from_db()
    assert (social.weight, social.title_en) == (Decimal("1"), "Social change")
    assert [(r.application.pk, r.total) for r in results(programme)] == before


@pytest.mark.django_db
def test_criteria_cannot_be_added_or_deleted_once_sheets_exist(client, programme, staff,
                                                               scored):
    business = Criterion.objects.get(programme=programme, code="business-model")
    client.force_login(staff)
    added = client.post(reverse("admin:jury_criterion_add"), {
        "programme": programme.pk, "code": "reach", "order": 3, "weight": "1",
        "title_ru": "Охват", "title_kk": "Қамту", "title_en": "Reach",
        "scale_labels": "[]", "scale_labels_kk": "[]", "scale_labels_en": "[]"})
    deleted = client.post(reverse("admin:jury_criterion_delete", args=[business.pk]),
                          {"post": "yes"}, follow=True)

    assert added.status_code == 200 and _shown(added, configuration.criteria_fixed_note())
    assert deleted.status_code == 200 and _shown(deleted, configuration.criteria_fixed_note())
    assert sorted(Criterion.objects.filter(programme=programme).values_list("code", flat=True)
                  ) == ["business-model", "social-impact"]


@pytest.mark.django_db
def test_the_criterion_service_refuses_weights_once_sheets_exist(programme, staff, scored):
    social = Criterion.objects.get(programme=programme, code="social-impact")
    social.weight = Decimal("2")

    with pytest.raises(services.JuryError, match=re.escape(configuration.criteria_fixed_note())):
        configuration.save_criterion(criterion=social, by=staff)
    with pytest.raises(services.JuryError, match=re.escape(configuration.criteria_fixed_note())):
        configuration.delete_criterion(criterion=social, by=staff)
    assert Criterion.objects.get(pk=social.pk).weight == Decimal("1")


@pytest.mark.django_db
def test_a_weight_changes_and_is_logged_before_any_sheet(programme, staff):
    social = Criterion.objects.get(programme=programme, code="social-impact")
    social.weight = Decimal("2")

    configuration.save_criterion(criterion=social, by=staff)

    assert Criterion.objects.get(pk=social.pk).weight == Decimal("2")
    event = AuditEvent.objects.get(action="jury.criterion_saved", object_id=str(social.pk))
    assert event.details["changes"] == {"weight": ["1.00", "2"]}
