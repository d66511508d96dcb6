"""Every UI string has a real Russian and Kazakh translation, compiled without GNU gettext."""

import shutil
from pathlib import Path

import polib
import pytest

from .extraction import extract_messages

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_string_is_translated(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
    assert missing == []


def test_kazakh_is_not_a_copy_of_russian_or_english():
    kazakh = polib.pofile(str(LOCALE / "kk/LC_MESSAGES/django.po"))
    def text(entry):
        return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr

    russian = {e.msgid: text(e) for e in polib.pofile(str(LOCALE / "ru/LC_MESSAGES/django.po"))}
    copies = [
        e.msgid for e in kazakh
        if len(e.msgid) > 12 and "Ozgeris" not in e.msgid
        and text(e) in (e.msgid, russian.get(e.msgid))
    ]
    assert copies == []


def test_the_compiled_catalogues_are_current():
    for po in [*LOCALE.glob("*/LC_MESSAGES/django.po"),
               *LOCALE.parent.glob("vendor_locale/*/LC_MESSAGES/django.po")]:
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: run `python manage.py compile_translations`"
        assert mo.stat().st_mtime >= po.stat().st_mtime


def test_the_vendor_kazakh_catalogue_is_complete():
    catalogue = polib.pofile(str(LOCALE.parent / "vendor_locale/kk/LC_MESSAGES/django.po"))
    assert catalogue.percent_translated() == 100


@pytest.mark.django_db
def test_the_kazakh_sign_up_page_has_no_russian_fallback(client):
    client.cookies["ozgeris_language"] = "kk"
    page = client.get("/accounts/signup/").content.decode()

    assert "Тіркелу" in page
    for russian in ("Зарегистрируйтесь", "Уже зарегистрированы", "Пароль не должен"):
        assert russian not in page


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (.ci/run has it)")
def test_the_catalogues_hold_every_string_of_the_source(tmp_path, monkeypatch, settings):
    """Extract the strings afresh and compare: a string added to the code or a template and
    never put in the catalogues would show in English."""
    extracted = extract_messages(
        LOCALE.parent, skip={"locale", "vendor_locale", ".venv", "var", "e2e", ".git"},
        language="ru", tmp_path=tmp_path, monkeypatch=monkeypatch, settings=settings)
    assert len(extracted) > 1000  # the walk found the sources

    for language in ("ru", "kk", "en"):
        catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
        kept = {entry.msgid for entry in catalogue if not entry.obsolete}
        assert sorted({entry.msgid for entry in extracted} - kept) == [], language
