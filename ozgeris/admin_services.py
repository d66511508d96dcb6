"""Admin edits of fields that only a logged service may write (a contract's payment, an
indicator's manual value): the admin saves the rest of the object with those fields as they
were, then hands the typed values to the service, whose refusal becomes a message on the page.

    typed = hold_back(obj, form, ("payment", "paid_on"))
    super().save_model(request, obj, form, change)
    if typed:
        apply_through_service(request, services.record_payment, services.EventsError,
                              contract=obj, **typed)
"""

from django.contrib import messages


def hold_back(obj, form, fields):
    """The values typed into ``fields`` when the form changed any of them (else None), put back
    on ``obj`` to what they were before the edit (a new object's defaults: its form has no
    initial values) so that saving it does not write them; the service then writes them, and
    its audit entry says what they were and what they became."""
    if not set(fields) & set(form.changed_data):
        return None
    typed = {name: getattr(obj, name) for name in fields}
    for name in fields:
        setattr(obj, name, obj._meta.get_field(name).get_default() if obj._state.adding
                else form.initial.get(name, typed[name]))
    return typed


def apply_through_service(request, service, error, **arguments):
    """Call ``service`` as the signed-in member of staff; the ``error`` it raises for a rule
    it enforces is shown on the admin page instead of failing the request."""
    try:
        service(by=request.user, **arguments)
    except error as exc:
        messages.error(request, str(exc))
