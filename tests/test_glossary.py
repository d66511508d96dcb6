"""The catalogues follow docs/glossary.md: no translation uses a form its "rejected" column lists
(кері қайтару for withdraw, жоба for a draft, "expert commission" in English …)."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
# "kk: жоба [draft]": language, form, and the English word that limits where it is wrong.
ITEM = re.compile(r"^(ru|kk|en):\s*(.+?)\s*(?:\[([^\]]+)\])?$")


def rejected_forms(text):
    """(language, form, scope) for every item of the table's last column."""
    forms = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[-1] or set(cells[0]) <= set("-") or cells[0] == "en":
            continue
        for item in cells[-1].split(";"):
            match = ITEM.match(item.strip())
            assert match, f"glossary: cannot read {item!r} (write 'kk: form [word]')"
            forms.append(match.groups())
    return forms


def pattern(form):
    """At the start of a word, any case; an abbreviation in capitals as a whole word."""
    end = r"(?!\w)" if form.isupper() else ""
    return re.compile(rf"(?<!\w){re.escape(form)}{end}", 0 if form.isupper() else re.IGNORECASE)


def shown_texts(language):
    """(English source, text shown) for every entry of the language's catalogues: ours, then
    the overrides of Django's and allauth's. English shows the source where it has no msgstr."""
    paths = [ROOT / "locale" / language / "LC_MESSAGES" / "django.po",
             ROOT / "vendor_locale" / language / "LC_MESSAGES" / "django.po"]
    for path in filter(Path.exists, paths):
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            if language == "en" and not any(texts):
                texts = [entry.msgid, entry.msgid_plural]
            for text in filter(None, texts):
                yield f"{entry.msgid} {entry.msgid_plural}", text


FORMS = rejected_forms(GLOSSARY.read_text(encoding="utf-8"))


def test_the_glossary_names_the_cases_the_review_found():
    found = {(language, form) for language, form, _scope in FORMS}
    assert {("kk", "кері қайтару"), ("kk", "жоба"), ("kk", "аккаунт"), ("kk", "құпия сөз"),
            ("kk", "тізілім"), ("ru", "реестр"), ("kk", "ТОО"), ("kk", "%(date)s дейін"),
            ("en", "expert commission"), ("kk", "рұқсат етілген")} <= found


@pytest.mark.parametrize("language, form, scope", FORMS,
                         ids=[f"{language}-{form}" for language, form, _scope in FORMS])
def test_no_catalogue_uses_a_rejected_form(language, form, scope):
    rejected = pattern(form)
    offending = [(source[:60], text[:80]) for source, text in shown_texts(language)
                 if (scope is None or scope.lower() in source.lower()) and rejected.search(text)]
    assert offending == []


def test_the_reader_applies_scope_case_and_word_start():
    assert pattern("кері қайтару").search("Өтінімді КЕРІ ҚАЙТАРУҒА болады")
    assert not pattern("кері қайтару").search("кері қайтарып алу")
    assert pattern("ТОО").search("ТОО немесе")
    assert not pattern("ТОО").search("ТООБ") and not pattern("ОО").search("ТОО")
    assert rejected_forms("| x | y | z | m | kk: жоба [draft]; en: jury |") == [
        ("kk", "жоба", "draft"), ("en", "jury", None)]
