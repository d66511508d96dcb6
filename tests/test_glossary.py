"""The catalogues follow docs/glossary.md: no translation uses a form its "rejected" column lists
(кері қайтару for withdraw, жоба for a draft, "commission" in English …), and neither do
the English source strings."""

import json
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
            ("en", "commission"), ("kk", "рұқсат етілген")} <= found


@pytest.mark.parametrize("language, form, scope", FORMS,
                         ids=[f"{language}-{form}" for language, form, _scope in FORMS])
def test_no_catalogue_uses_a_rejected_form(language, form, scope):
    rejected = pattern(form)
    offending = [(source[:60], text[:80]) for source, text in shown_texts(language)
                 if (scope is None or scope.lower() in source.lower()) and rejected.search(text)]
    assert offending == []


def source_strings():
    """Every msgid (and plural) of our catalogue: the English source strings as the code and
    templates write them, which tests/test_translations.py keeps complete."""
    for entry in polib.pofile(str(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po")):
        if not entry.obsolete:
            yield from filter(None, (entry.msgid, entry.msgid_plural))


ENGLISH_FORMS = [(form, scope) for language, form, scope in FORMS if language == "en"]


@pytest.mark.parametrize("form, scope", ENGLISH_FORMS, ids=[form for form, _ in ENGLISH_FORMS])
def test_no_source_string_uses_a_rejected_english_form(form, scope):
    """The test above reads what English shows, so a msgid whose English msgstr conforms
    passes it; yet the msgid is what the code says and what the translators start from."""
    rejected = pattern(form)
    offending = [source[:80] for source in source_strings()
                 if (scope is None or scope.lower() in source.lower()) and rejected.search(source)]
    assert offending == []


def test_the_reader_applies_scope_case_and_word_start():
    assert pattern("кері қайтару").search("Өтінімді КЕРІ ҚАЙТАРУҒА болады")
    assert not pattern("кері қайтару").search("кері қайтарып алу")
    assert pattern("ТОО").search("ТОО немесе")
    assert not pattern("ТОО").search("ТООБ") and not pattern("ОО").search("ТОО")
    assert rejected_forms("| x | y | z | m | kk: жоба [draft]; en: jury |") == [
        ("kk", "жоба", "draft"), ("en", "jury", None)]


# The demo's texts ---------------------------------------------------------------------------
# The demo shows the portal's own wording (the programme's description, the report's
# narratives, notes and titles), so it names the jury as the glossary does. Quotes of the 2019
# report keep its words: the "as_written" fields, the information meetings' agenda as the report
# gives it, and the disagreements, which name the original's wording.
DEMO_FILES = sorted(ROOT.glob("*/demo/*.json"))
QUOTED = ("as_written", "info_meetings.agenda.items", "contradictions.")
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)


def jury_forms(text):
    """The rejected forms of the jury's rows (jury, juror, jury sitting), whatever their
    scope: in the demo's prose every one of them means the jury."""
    return [(language, form) for language, form, _scope in rejected_forms(
        "\n".join(line for line in text.splitlines() if line.startswith("| jur")))]


def demo_texts(value, path=""):
    """(path, language, text) of every string in a demo file outside the quotes; the language
    from the key's suffix (title_kk), else from the letters (Kazakh, Russian, English)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from demo_texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from demo_texts(item, path)
    elif isinstance(value, str) and not any(quoted in path for quoted in QUOTED):
        suffix = path.rpartition("_")[2]
        if suffix not in ("ru", "kk", "en"):
            suffix = ("kk" if KAZAKH_LETTERS.search(value) else
                      "ru" if re.search("[а-яё]", value, re.IGNORECASE) else "en")
        yield path, suffix, value


def test_the_demo_texts_name_the_jury_as_the_glossary_does():
    forms = jury_forms(GLOSSARY.read_text(encoding="utf-8"))
    assert ("ru", "экспертн") in forms and ("kk", "комиссия") in forms
    offending = [(path.relative_to(ROOT).as_posix(), key, form)
                 for path in DEMO_FILES
                 for key, language, text in demo_texts(json.loads(path.read_text("utf-8")))
                 for form_language, form in forms
                 if form_language == language and pattern(form).search(text)]
    assert DEMO_FILES and offending == []
