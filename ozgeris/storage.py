"""Two file stores under MEDIA_ROOT.

Private files (application documents, scans, rosters) live in ``private/``, outside
any URL, and are served only by views that check permission. Public files
(regulations, finalist photos, press releases) live in ``public/`` and are what
staff chose to publish. Both follow MEDIA_ROOT when it changes (as tests do).

A file enters the public store only checked whole (``ozgeris.uploads.check_public_file``) and
under a name the server chooses, its extension that of the type found in its content, so
whatever serves the folder by extension serves a PDF as a PDF and a photo as a photo.
"""

import posixpath
import string
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.utils.crypto import get_random_string
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.text import slugify

from .uploads import EXTENSIONS, check_public_file


class _MediaSubfolderStorage(FileSystemStorage):
    subfolder = ""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.MEDIA_ROOT / self.subfolder)


@deconstructible
class PrivateStorage(_MediaSubfolderStorage):
    subfolder = "private"

    @cached_property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


@deconstructible
class PublicStorage(_MediaSubfolderStorage):
    subfolder = "public"

    @cached_property
    def base_url(self):
        return settings.PUBLIC_MEDIA_URL

    def save(self, name, content, max_length=None):
        """Refuse ``content`` (ValidationError) unless it passes the whole public check; store
        it as ``public_name(name, kind)``. The fields' validators run the same check first and
        show its message in the form; this is the gate nothing reaches the folder around."""
        if not hasattr(content, "chunks"):
            content = File(content, name)
        kind = check_public_file(content)
        return super().save(public_name(name, kind), content, max_length)


def public_name(name, kind):
    """``regulations/Polozhenie 2019.html`` → ``regulations/polozhenie-2019-k3x9q2ma.pdf``: the
    uploaded stem slugged (for people reading the address), a random part, and the extension of
    ``kind``; the uploaded extension is dropped."""
    folder, base = posixpath.split(name)
    stem = slugify(PurePosixPath(base).stem.replace("_", " "))[:40].strip("-") or "file"
    token = get_random_string(8, string.ascii_lowercase + string.digits)
    return posixpath.join(folder, f"{stem}-{token}{EXTENSIONS[kind]}")


def public_storage():
    """Callable for ``FileField(storage=...)`` so migrations do not freeze a path."""
    return storages["public"]
