"""ozgeris.admin_services: the admin saves an object with the fields only a logged service may
write held back, then hands the typed values to that service (a contract's payment in
events.admin, an indicator's manual value in reporting.admin)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage

from events.models import Contract
from ozgeris.admin_services import apply_through_service, hold_back
from reporting.models import Indicator


def edit(changed, **initial):
    return SimpleNamespace(changed_data=changed, initial=initial)


def saved(**fields):
    """A contract as the change page has it (in the database already)."""
    contract = Contract(**fields)
    contract._state.adding = False
    return contract


def test_fields_left_alone_are_not_held_back():
    obj = saved(payment="paid", paid_on=None)

    assert hold_back(obj, edit(["notes"], payment="not_paid"), ("payment", "paid_on")) is None
    assert obj.payment == "paid"


def test_a_changed_field_puts_the_whole_set_back_and_returns_what_was_typed():
    obj = saved(payment="paid", paid_on="2031-12-01")

    typed = hold_back(obj, edit(["payment"], payment="not_paid", paid_on=None),
                      ("payment", "paid_on"))

    assert typed == {"payment": "paid", "paid_on": "2031-12-01"}
    assert (obj.payment, obj.paid_on) == ("not_paid", None)


def test_a_new_object_is_saved_with_its_defaults_and_what_was_typed_is_returned():
    # The add page's form has no initial values at all.
    obj = Indicator(manual_value=3, manual_reason="screenshots")

    typed = hold_back(obj, edit(["manual_value"]), ("manual_value", "manual_reason"))

    assert typed == {"manual_value": 3, "manual_reason": "screenshots"}
    assert (obj.manual_value, obj.manual_reason) == (None, "")


class Refused(Exception):
    pass


def _request(rf, user):
    request = rf.post("/")
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    return request


def test_the_service_runs_as_the_member_of_staff_and_its_refusal_is_a_message(rf):
    calls = []

    def service(**arguments):
        calls.append(arguments)
        raise Refused("Give the reason.")

    request = _request(rf, "staff")
    apply_through_service(request, service, Refused, indicator="x", value=1)

    assert calls == [{"by": "staff", "indicator": "x", "value": 1}]
    assert [str(message) for message in get_messages(request)] == ["Give the reason."]


@pytest.mark.django_db
def test_a_refused_manual_value_is_not_saved_by_the_indicator_admin(rf, staff, open_programme):
    from django.contrib import admin
    from django.utils import translation

    from reporting.models import Activity, Task

    task = Task.objects.create(programme=open_programme, number=1, title_ru="Задача")
    activity = Activity.objects.create(task=task, number=1, title_ru="Мероприятие")
    indicator = Indicator.objects.create(activity=activity, order=1, title_ru="Объявления")
    indicator.manual_value, indicator.manual_reason = Decimal(5), ""  # no reason: refused
    request = _request(rf, staff)

    with translation.override("en"):
        admin.site._registry[Indicator].save_model(
            request, indicator, edit(["manual_value"], manual_value=None, manual_reason=""),
            change=True)

    indicator.refresh_from_db()
    assert indicator.manual_value is None
    assert [str(message) for message in get_messages(request)] == [
        "Give the reason for a manual value."]


@pytest.mark.django_db
def test_a_manual_value_typed_into_a_new_indicator_is_logged_from_nothing(client, staff,
                                                                           open_programme):
    from django.urls import reverse

    from ozgeris.models import AuditEvent
    from reporting.models import Activity, Task

    task = Task.objects.create(programme=open_programme, number=1, title_ru="Задача")
    activity = Activity.objects.create(task=task, number=1, title_ru="Мероприятие")
    client.force_login(staff)

    response = client.post(reverse("admin:reporting_indicator_add"), {
        "activity": activity.pk, "order": 1, "title_ru": "Объявления", "kind": "number",
        "direction": "at_least", "manual_value": "500", "manual_reason": "Counted by hand"})

    assert response.status_code == 302
    indicator = Indicator.objects.get(activity=activity)
    assert (indicator.manual_value, indicator.manual_reason) == (Decimal(500), "Counted by hand")
    entry = AuditEvent.objects.get(action="report.manual_value", object_id=str(indicator.pk))
    assert entry.actor == staff
    assert entry.details == {"previous": None, "value": "500", "reason": "Counted by hand"}
