"""Messages extracted afresh from a tree of sources, for the tests that compare a catalogue
with what the code says (test_translations for the portal's, test_allauth_kazakh for
allauth's)."""

import polib
from django.core.management import call_command


def extract_messages(root, *, skip, language, tmp_path, monkeypatch, settings):
    """``makemessages`` for ``language`` over ``root``'s entries but ``skip``. It writes beside
    the sources it reads (into a locale/ it finds), so it reads them through links in a folder
    of their own and writes under ``tmp_path``."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for entry in root.iterdir():
        if entry.name not in skip:
            (sources / entry.name).symlink_to(entry)
    monkeypatch.chdir(sources)
    settings.LOCALE_PATHS = [tmp_path / "extracted"]
    (tmp_path / "extracted").mkdir()
    call_command("makemessages", locale=[language], symlinks=True, verbosity=0)
    return polib.pofile(str(tmp_path / "extracted" / language / "LC_MESSAGES/django.po"))
