"""The grant report in Kazakh and English is the whole report in that language.

The kk report must hold no Russian paragraph and the en report no Cyrillic, except proper
names (the organisations' registered names, the people's) and quotations of the original,
which the translations mark with «…». The report is rendered the way staff get it
(``export report --language kk``); the HTML the exporter hands to WeasyPrint is read
paragraph by paragraph, leaving out the boxes marked for staff (the draft's working notes).

Telling Kazakh from Russian: both are written in Cyrillic, but Kazakh has nine letters of
its own (ә ғ қ ң ө ұ ү һ і) and Russian has function words and endings Kazakh never uses
(и, в, на, для…; -ость, -ение, -ого…). ``russian_sentences`` flags a sentence that has one
of those words or endings, or three Cyrillic words or more with no sign of Kazakh among
them (a Kazakh letter, or a Kazakh word or suffix such as мен, саны, -лар, -дың).
It is proved both ways below: it flags every sentence of the original's Russian narratives,
and none of the Kazakh text the demo seeds.
"""

import io
import json
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from lxml import html as lxml_html

import ozgeris.pdf
from applications.models import Organisation
from events.models import InfoMeeting
from jury.models import Nominee
from reporting.demo import seed as report_seed
from reporting.models import Activity, Appendix, Contradiction, Grant
from reporting.narrative import PLACEHOLDER, TABLE

DEMO = Path(report_seed.__file__).parent
KAZAKH_LETTERS = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Words of Russian that are no words of Kazakh (Kazakh's own "не", "да" are left out).
RUSSIAN_WORDS = {
    "и", "в", "во", "на", "по", "для", "что", "из", "от", "с", "со", "к", "при", "или",
    "как", "это", "был", "была", "были", "было", "нет", "также", "который", "которые",
    "их", "его", "её", "но", "за", "до", "об", "о", "же", "только", "все", "всех", "после",
    "между", "через", "без", "под", "над", "данных",
}
RUSSIAN_ENDINGS = (
    "ого", "его", "ому", "ыми", "ими", "ость", "ости", "остей", "ение", "ения", "ании",
    "ание", "ания", "ться", "тся", "ются", "ется", "енный", "анный", "ской", "ского", "ских",
    "ским", "ская", "ское", "ный", "ная", "ное", "ные", "ных", "ать", "ять", "ить", "еть",
    "ует", "ают", "уют", "ией", "ций", "ции", "ии", "ной", "ая", "ые",
    "ство", "ие",
)
# Signs of Kazakh in words written without its own letters ("Кездесулер саны, кездесу").
KAZAKH_WORDS = {"мен", "саны", "бар", "жоқ", "бойынша", "немесе", "туралы", "беру", "бейне",
                "дауыс", "кездесу", "шарт", "жас"}
KAZAKH_ENDINGS = ("лар", "лер", "дар", "дер", "тар", "тер", "ның", "нің", "дың", "дің",
                  "тың", "тің", "ды", "ді", "ты", "ті", "ып", "іп")
QUOTED = re.compile(r"«[^«»]*(?:«[^«»]*»[^«»]*)*»|\"[^\"]*\"|“[^”]*”")
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
# Elements whose text is read inline, as part of the block around them.
INLINE = {"span", "a", "b", "i", "em", "strong", "code", "small", "sup", "sub", "abbr", "q",
          "cite", "tspan"}
SKIPPED = {"style", "script", "head", "meta", "link"}


def _is_russian_word(word):
    lower = word.lower()
    if KAZAKH_LETTERS & set(word) or not CYRILLIC.search(word):
        return False
    return lower in RUSSIAN_WORDS or (len(lower) > 4 and lower.endswith(RUSSIAN_ENDINGS))


def _looks_kazakh(word):
    lower = word.lower()
    return bool(KAZAKH_LETTERS & set(word)) or lower in KAZAKH_WORDS or (
        len(lower) > 3 and lower.endswith(KAZAKH_ENDINGS))


def russian_sentences(text, *, names=()):
    """The sentences of ``text`` written in Russian, once quotations («…», "…") and
    ``names`` (proper names, longest first) are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = QUOTED.sub(" ", text)
    found = []
    for sentence in SENTENCE.split(text):
        words = [word for word in WORD.findall(sentence) if CYRILLIC.search(word)]
        if any(_is_russian_word(word) for word in words) or (
                len(words) >= 3 and not any(_looks_kazakh(word) for word in words)):
            found.append(sentence.strip())
    return found


def cyrillic_outside(text, *, names=()):
    """What of ``text`` is in Cyrillic once quotations and ``names`` are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return [word for word in WORD.findall(QUOTED.sub(" ", text)) if CYRILLIC.search(word)]


def _block_text(element):
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        tag = child.tag.split("}")[-1]
        if tag == "br":
            parts.append("\n")
        elif tag in INLINE:
            parts.append(_block_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def paragraphs(document):
    """Each block of the report's HTML (a paragraph, a heading, a table cell, a chart's
    label) as text, without the boxes for staff."""
    root = lxml_html.fromstring(document)
    for box in root.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " staff ")]'):
        box.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.split("}")[-1]
        if tag in INLINE or tag in SKIPPED or any(
                (ancestor.tag if isinstance(ancestor.tag, str) else "").split("}")[-1]
                in SKIPPED for ancestor in element.iterancestors()):
            continue
        text = re.sub(r"[ \t]+", " ", _block_text(element)).strip()
        if text:
            yield text


def render_report(language, *extra):
    """The report as ``export report`` writes it; returns the HTML it was made from."""
    pages = []
    render = ozgeris.pdf.render_to_string

    def keep(*args, **kwargs):
        pages.append(render(*args, **kwargs))
        return pages[-1]

    with mock.patch.object(ozgeris.pdf, "render_to_string", keep):
        call_command("export", "report", "--programme", "2019", "--language", language,
                     "--output", "/dev/null", *extra, stdout=io.StringIO())
    return pages[-1]


def proper_names():
    """What the report prints as written, whatever its language: the organisations' names as
    registered (applicants, nominees of the supporting nominations) and the original's figures
    that a contradiction quotes."""
    quoted = {figure for figures in Contradiction.objects.values_list("figures", flat=True)
              for figure in figures}
    return (set(Organisation.objects.values_list("name", flat=True))
            | set(Nominee.objects.values_list("name", flat=True)) | quoted)


def _russian_narrative_sentences():
    for task in report_seed.facts()["tasks"]:
        for activity in task["activities"]:
            for paragraph in re.split(r"\n\s*\n", activity["narrative_ru"]):
                if TABLE.match(paragraph):
                    continue
                text = PLACEHOLDER.sub("5", paragraph)
                yield from (s for s in SENTENCE.split(text) if len(WORD.findall(s)) >= 3)


def _texts(value, language, key=""):
    """Every text of ``language`` in a demo file: under a key ``*_kk`` (or ``kk``, the units)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _texts(item, language, name)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, language, key)
    elif isinstance(value, str) and (key == language or key.endswith(f"_{language}")):
        yield value


def _demo_texts(language):
    """The report's text in ``language`` that the demo seeds: the framework with its
    translations laid over it, and the other reporting demo files (budget, illustrative)."""
    yield from _texts(report_seed.facts(), language)
    for path in sorted(DEMO.glob("reporting-2019.*.json")):
        if path.name != report_seed.TRANSLATIONS_FILE.name:
            yield from _texts(json.loads(path.read_text(encoding="utf-8")), language)


# The test of the test: the check must catch Russian, and must pass Kazakh.

def test_the_check_flags_every_sentence_of_the_russian_narratives():
    sentences = list(_russian_narrative_sentences())
    assert len(sentences) > 25
    assert [s for s in sentences if not russian_sentences(s)] == []


def test_the_check_passes_every_kazakh_text_the_demo_seeds():
    texts = list(_demo_texts("kk"))
    assert len(texts) > 150
    assert {text: found for text in texts if (found := russian_sentences(text))} == {}


def test_the_check_catches_one_untranslated_russian_sentence_in_a_kazakh_paragraph():
    kazakh = "Сыйлық лауреаттарын марапаттаудың салтанатты рәсімі Алматыда өтті."
    russian = "Сценарий церемонии находится в приложении №5."
    assert russian_sentences(kazakh) == []
    assert russian_sentences(f"{kazakh} {russian}") == [russian]
    assert russian_sentences("Фотографии встреч — на внешнем носителе") != []


def test_names_and_quotations_are_not_taken_for_russian():
    name = 'ОО Ассоциация женщин с инвалидностью "Шырақ"'
    assert russian_sentences(f"{name} — жеңімпаз.", names={name}) == []
    assert russian_sentences("«Психологическая ассоциация» финалисі жеңімпаздар тізімінде.") == []
    assert cyrillic_outside("The finalist «Психологическая ассоциация» won.") == []
    assert cyrillic_outside("Views: video 1 Творцы перемен") == ["Творцы", "перемен"]


# The translations the demo seeds.

def test_each_narrative_translation_keeps_every_placeholder_of_the_russian():
    for task in report_seed.facts()["tasks"]:
        for activity in task["activities"]:
            russian = sorted(m.group(0) for m in PLACEHOLDER.finditer(activity["narrative_ru"]))
            tables = sorted(TABLE.findall(activity["narrative_ru"].replace("\n", "\n\n")))
            for language in ("kk", "en"):
                text = activity[f"narrative_{language}"]
                assert sorted(m.group(0) for m in PLACEHOLDER.finditer(text)) == russian
                assert sorted(TABLE.findall(text.replace("\n", "\n\n"))) == tables


def test_each_narrative_translation_is_whole_not_a_summary():
    for task in report_seed.facts()["tasks"]:
        for activity in task["activities"]:
            paragraphs_ru = len(re.split(r"\n\s*\n", activity["narrative_ru"].strip()))
            for language in ("kk", "en"):
                text = activity[f"narrative_{language}"].strip()
                assert len(re.split(r"\n\s*\n", text)) == paragraphs_ru
                assert len(text) > 0.7 * len(activity["narrative_ru"])


def test_the_english_texts_have_no_cyrillic_outside_quotations():
    texts = list(_demo_texts("en"))
    assert len(texts) > 150
    assert {text: found for text in texts if (found := cyrillic_outside(text))} == {}


def test_every_contradiction_and_appendix_is_translated():
    data = report_seed.facts()
    for item in data["contradictions"]:
        for field in ("what", "note"):
            if item[field]:
                assert item[f"{field}_kk"] and item[f"{field}_en"], (item["id"], field)
    for item in data["appendices"]:
        assert item["held_elsewhere_kk"] and item["held_elsewhere_en"], item["number"]
    for field in ("grantee", "donor", "topic"):
        assert data["grant"][f"{field}_kk"] and data["grant"][f"{field}_en"], field


def test_the_demo_seeds_the_translations_into_the_kk_and_en_fields(demo_programme):
    grant = Grant.objects.get(programme=demo_programme)
    assert grant.grantee_kk == "«Act for Impact» корпоративтік қоры"
    assert grant.donor_en.startswith("Civil Initiatives Support Centre")
    narrative = Activity.objects.get(task__programme=demo_programme, task__number=3,
                                     number=1).narrative_kk
    assert "{events.press_items}" in narrative
    assert not Contradiction.objects.filter(programme=demo_programme, what_kk="").exists()
    assert not Appendix.objects.filter(programme=demo_programme, held_elsewhere_en="").exists()
    cities = dict(InfoMeeting.objects.filter(programme=demo_programme)
                  .values_list("city", "city_kk"))
    assert cities["Усть-Каменогорск"] == "Өскемен"


# The reports themselves.

@pytest.mark.django_db
@pytest.mark.parametrize(("language", "foreign_text"), [
    ("kk", russian_sentences),  # no Russian paragraph
    ("en", cyrillic_outside),  # no Cyrillic outside names and quotations
])
def test_the_report_holds_no_text_of_another_language(demo_programme, language, foreign_text):
    names = proper_names()
    found = {text: foreign for text in paragraphs(render_report(language))
             if (foreign := foreign_text(text, names=names))}
    assert found == {}
