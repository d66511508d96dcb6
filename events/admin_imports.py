"""The admin pages that import a roster or a guest list: upload, preview, confirm.

The preview lists every bad row with its line number and reasons; the good rows travel to
the confirmation as a signed payload (nothing is stored meanwhile), and only the staff
member's confirmation saves them, all in one transaction through the service.
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .imports import UnreadableFile, read_people
from .services import EventsError

SALT = "events.people-import"
MAX_AGE = 60 * 60


def _salt(parent):
    """The preview's signature names the list it is for: a meeting's roster and the ceremony's
    guest list share ids, and take different categories."""
    return f"{SALT}:{parent._meta.label_lower}:{parent.pk}"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLSX or CSV file"),
                           help_text=gettext_lazy("Columns: name, organisation, category, "
                                                  "contact, consent. The first row names "
                                                  "them."))


def people_import_view(model_admin, request, parent, *, categories, existing, save, title):
    """Upload → preview → confirm for the list of ``parent`` (a meeting or the ceremony).
    ``save(rows)`` is the service call that records the confirmed rows."""
    back_url = reverse(f"admin:{parent._meta.app_label}_{parent._meta.model_name}_change",
                       args=[parent.pk])
    back = redirect(back_url)
    context = {**model_admin.admin_site.each_context(request), "title": title,
               "opts": parent._meta, "back_url": back_url, "back_title": str(parent),
               "categories": categories}
    if request.method == "POST" and "payload" in request.POST:
        try:
            rows = signing.loads(request.POST["payload"], salt=_salt(parent), max_age=MAX_AGE)
        except signing.BadSignature:
            messages.error(request, _("The preview has expired; upload the file again."))
            return back
        try:
            count = save(rows)
        except EventsError as exc:
            messages.error(request, str(exc))
            return back
        messages.success(request, _("%(count)d people were added.") % {"count": count})
        return back
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            preview = read_people(form.cleaned_data["file"], categories, existing)
        except UnreadableFile as exc:
            form.add_error("file", exc.messages[0])
        else:
            labels = dict(categories)
            context.update(preview=preview, rows=[
                {**row, "category_label": labels.get(row["category"], row["category"])}
                for row in preview.rows],
                payload=signing.dumps(preview.rows, salt=_salt(parent), compress=True))
    context["form"] = form
    return TemplateResponse(request, "events/admin/import_people.html", context)
