"""Two file stores under MEDIA_ROOT.

Private files (application documents, scans, rosters) live in ``private/``, outside
any URL, and are served only by views that check permission. Public files
(regulations, finalist photos, press releases) live in ``public/`` and are what
staff chose to publish. Both follow MEDIA_ROOT when it changes (as tests do).
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


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


def public_storage():
    """Callable for ``FileField(storage=...)`` so migrations do not freeze a path."""
    return storages["public"]
