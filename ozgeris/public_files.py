"""What the portal publishes: the fields that hold public files, how such a file is served, and
bringing files published before the whole check (``ozgeris.storage``) into line with it.

A published file is served with the type found in its first bytes (never the one its name
suggests), ``nosniff`` and a sandboxing Content-Security-Policy: even a file stored as
``regulations.html`` by an older version reaches the browser as a PDF that cannot run script in
the portal's origin. A file whose content is not a PDF, JPEG or PNG is not served at all.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.apps import apps
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404

from . import audit
from .uploads import (
    CONTENT_TYPES,
    EXTENSIONS,
    JPEG,
    PDF,
    PNG,
    PUBLIC_KINDS,
    check_public_file,
    sniff,
)

# Every field whose files are public, with the types it holds: the regulations, the press
# releases and the finalists' photos (tests/test_public_files.py checks no field is missing).
PUBLIC_FILE_FIELDS = {
    ("ozgeris", "Programme", "regulations"): (PDF,),
    ("events", "Ceremony", "press_release_ru"): (PDF,),
    ("events", "Ceremony", "press_release_kk"): (PDF,),
    ("applications", "Application", "public_photo"): (JPEG, PNG),
}

# No script, plugin, style or request of any kind, and a unique origin: what a browser opens
# from such a response cannot act in the portal. (Chrome's PDF viewer does not run under it,
# which is why PDFs are served as attachments.)
SANDBOX_POLICY = "sandbox; default-src 'none'"


def sandboxed(response):
    """Mark a response that carries someone's upload: nothing in it runs. (That the declared
    type stands, ``nosniff``, SecurityMiddleware says of every response.)"""
    response["Content-Security-Policy"] = SANDBOX_POLICY
    return response


def public_file_response(name):
    """The public file ``name``: a PDF as an attachment, a photo inline, each with the type of
    its content; a 404 for a name outside the public store or content of another type."""
    try:
        handle = storages["public"].open(name, "rb")
    except (OSError, SuspiciousFileOperation) as missing:
        raise Http404 from missing
    kind = sniff(handle.read(16))
    if kind not in PUBLIC_KINDS:
        handle.close()
        raise Http404
    handle.seek(0)
    response = FileResponse(handle, content_type=CONTENT_TYPES[kind], as_attachment=kind == PDF,
                            filename=PurePosixPath(name).stem + EXTENSIONS[kind])
    return sandboxed(response)


@dataclass(frozen=True)
class Recheck:
    field: str  # "ozgeris.Programme.regulations"
    pk: int
    name: str
    outcome: str  # "kept", "renamed", "unpublished" or "missing"
    detail: str = ""  # the new name, or why the file was unpublished


def recheck_public_files(*, dry_run=False):
    """Check every published file whole, as if it were uploaded today, and yield a Recheck for
    each. One that passes under an extension other than its type's is stored again under a
    server-chosen name and its record points there ("renamed"); one that fails is moved to the
    private store under ``quarantine/`` and its field emptied ("unpublished"). Both are written
    to the audit log. ``dry_run`` reports the same outcomes and changes nothing."""
    for (app_label, model_name, field_name), allowed in PUBLIC_FILE_FIELDS.items():
        model = apps.get_model(app_label, model_name)
        rows = model.objects.exclude(**{field_name: ""}).values_list("pk", field_name)
        for pk, name in rows.order_by("pk").iterator():
            yield _recheck(model, field_name, pk, name, allowed, dry_run)


def _recheck(model, field_name, pk, name, allowed, dry_run):
    label = f"{model._meta.app_label}.{model.__name__}.{field_name}"
    public = storages["public"]
    try:
        with public.open(name, "rb") as handle:
            content = ContentFile(handle.read(), name=PurePosixPath(name).name)
    except (OSError, SuspiciousFileOperation):
        return Recheck(label, pk, name, "missing")
    try:
        kind = check_public_file(content, allowed=allowed)
    except ValidationError as refused:
        reason = " ".join(refused.messages)
        if not dry_run:
            _replace(model, field_name, pk, name, "", "public_file.unpublished", reason=reason,
                     quarantined_as=storages["default"].save(f"quarantine/{name}", content))
        return Recheck(label, pk, name, "unpublished", reason)
    if PurePosixPath(name).suffix == EXTENSIONS[kind]:
        return Recheck(label, pk, name, "kept")
    new_name = name
    if not dry_run:
        new_name = public.save(name, content)
        _replace(model, field_name, pk, name, new_name, "public_file.renamed")
    return Recheck(label, pk, name, "renamed", new_name)


def _replace(model, field_name, pk, old_name, new_name, action, **details):
    """Point the record at ``new_name`` (or at nothing), log it, and delete the old file once
    the change is committed."""
    with transaction.atomic():
        record = model.objects.select_for_update().get(pk=pk)
        model.objects.filter(pk=pk).update(**{field_name: new_name})
        audit.record(None, action, record, field=field_name, old=old_name, new=new_name,
                     **details)
        transaction.on_commit(lambda: storages["public"].delete(old_name))
