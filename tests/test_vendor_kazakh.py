"""Django's own strings in Kazakh. Its kk catalogue dates from 2019: it leaves messages
untranslated (validation errors, field types, paginator messages, language names) and lacks
the ones added since, which Django then shows in LANGUAGE_CODE's Russian. vendor_locale/kk
fills both; a Django upgrade that brings new strings turns the first tests red, and one that
drops messages turns the last one red until their dead Kazakh is taken out."""

import re
from datetime import timedelta
from pathlib import Path

import allauth
import django
import polib
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.timesince import timesince

from ozgeris.models import Nomination

DJANGO = Path(django.__file__).parent
# Django's catalogues whose messages the portal shows: the installed Django apps with strings.
# Each one's English catalogue lists every message of the installed version.
DJANGO_CATALOGUES = [DJANGO / "conf/locale"] + [
    DJANGO / "contrib" / app / "locale" for app in ("admin", "auth", "contenttypes", "sessions")]
OUR_KAZAKH = Path(__file__).resolve().parent.parent / "vendor_locale/kk/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|\{\w+\}")


def translated_keys(path):
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))
            if entry.translated() and not entry.obsolete}


def message_keys(path):
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))
            if entry.msgid and not entry.obsolete}


@pytest.mark.parametrize("locale", DJANGO_CATALOGUES, ids=lambda path: path.parent.name)
def test_every_message_of_the_installed_django_has_kazakh(locale):
    """The kk catalogues lag behind Django: a message added since is missing from them, and
    Django shows it in LANGUAGE_CODE's Russian to a Kazakh reader."""
    missing = (message_keys(locale / "en/LC_MESSAGES/django.po")
               - translated_keys(locale / "kk/LC_MESSAGES/django.po")
               - translated_keys(OUR_KAZAKH))
    assert sorted(missing, key=str) == []


def test_our_kazakh_keeps_every_placeholder_of_the_english():
    """A dropped or renamed %(name)s raises KeyError (or shows nothing) only when the message
    is shown, long after the catalogue was compiled."""
    changed = []
    for entry in polib.pofile(str(OUR_KAZAKH)):
        if entry.obsolete or "python-format" not in entry.flags:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                changed.append(entry.msgid)
    assert changed == []


@pytest.mark.parametrize("validate, kazakh", [
    (lambda: models.IntegerField().to_python("x"), "«x» мәні бүтін сан болуы керек."),
    (lambda: models.BooleanField().to_python("x"), "«x» мәні True немесе False болуы керек."),
    (lambda: models.DateField().to_python("2026-02-30"),
     "«2026-02-30» мәнінің пішімі дұрыс (YYYY-MM-DD), бірақ мұндай күн жоқ."),
    (lambda: forms.IntegerField(min_value=1, step_size=5).clean("7"),
     "Бұл мәннің 1 мәнінен бастап 5 қадамымен алынған мәндердің бірі екеніне көз жеткізіңіз, "
     "мысалы: 1, 6, 11 және т.с.с."),
], ids=["integer", "boolean", "impossible date", "step size"])
def test_djangos_validation_errors_render_in_kazakh(validate, kazakh):
    with translation.override("kk"):  # the messages are lazy: read them under the override
        with pytest.raises(ValidationError) as error:
            validate()
        assert error.value.messages == [kazakh]


@pytest.mark.django_db
def test_a_unique_together_error_renders_in_kazakh(open_programme):
    taken = open_programme.nominations.first()
    duplicate = Nomination(programme=open_programme, code=taken.code, title_ru="x",
                           title_kk="x", title_en="x")

    with translation.override("kk"):
        with pytest.raises(ValidationError) as error:
            duplicate.validate_constraints()
        assert error.value.messages == [
            "Номинация осы Бағдарлама және Коды мәндерімен бұрыннан бар."]


def test_a_time_span_reads_in_kazakh_not_in_the_russian_fallback():
    with translation.override("kk"):
        assert timesince(timezone.now() - timedelta(days=3)) == "3\xa0күн"


def test_vendor_locale_holds_only_messages_the_installed_packages_still_have():
    """An upgrade drops or rewords messages; their old Kazakh would stay behind unseen, and a
    reader of the catalogue could not tell the live entries from the dead."""
    catalogues = [*DJANGO_CATALOGUES, Path(allauth.__file__).parent / "locale"]
    current = set().union(*(message_keys(locale / "en/LC_MESSAGES/django.po")
                            for locale in catalogues))
    assert sorted(message_keys(OUR_KAZAKH) - current, key=str) == []
