"""Files of the outreach records in the admin. Private files have no URL (see
``ozgeris.storage``), so the admin's file widget links to a staff-only view that serves a
file only when an outreach record refers to it."""

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import ClearableFileInput, FileInput
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.html import format_html

from ozgeris.public_files import sandboxed


def file_fields():
    """(model, field) for every file field of the events app."""
    return [(model, field) for model in apps.get_app_config("events").get_models()
            for field in model._meta.get_fields() if isinstance(field, models.FileField)]


class RecordFileInput(ClearableFileInput):
    """The admin's file input, with the current file linked to ``record_file``."""

    def render(self, name, value, attrs=None, renderer=None):
        field = FileInput().render(name, None, attrs, renderer)
        if not (value and getattr(value, "name", None)):
            return field
        url = reverse("admin:events_record_file", args=[value.name])
        clear = ""
        if not self.is_required:
            checkbox = self.clear_checkbox_name(name)
            clear = format_html(
                ' <input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label>',
                checkbox, self.clear_checkbox_id(checkbox), self.clear_checkbox_id(checkbox),
                self.clear_checkbox_label)
        return format_html('<p class="file-upload">{}: <a href="{}">{}</a>{}<br>{}: {}</p>',
                           self.initial_text, url, value.name, clear, self.input_text, field)


FILE_WIDGETS = {models.FileField: {"widget": RecordFileInput}}


@staff_member_required
def record_file(request, name):
    """Serve ``name`` if an outreach record the person may view refers to it."""
    for model, field in file_fields():
        if model.objects.filter(**{field.name: name}).exists():
            permission = f"{model._meta.app_label}.view_{model._meta.model_name}"
            if not request.user.has_perm(permission):
                raise PermissionDenied
            storage = field.storage
            if not storage.exists(name):
                raise Http404
            # A hostile file opened anyway cannot run here.
            return sandboxed(FileResponse(storage.open(name, "rb"), as_attachment=True,
                                          filename=name.rsplit("/", 1)[-1]))
    raise Http404
