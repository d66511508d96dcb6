"""Two file stores.

Private files (application documents, scans, rosters) live outside any URL and
are served only by views that check permission. Public files (regulations,
finalist photos, press releases) are what staff chose to publish.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


@deconstructible
class PublicStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PUBLIC_MEDIA_ROOT)
        kwargs.setdefault("base_url", settings.PUBLIC_MEDIA_URL)
        super().__init__(**kwargs)


def public_storage():
    """Callable for ``FileField(storage=...)`` so migrations do not freeze a path."""
    return storages["public"]
