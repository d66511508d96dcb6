"""The working side speaks correct Russian and Kazakh (issue 19): every admin page programme staff
open (the index, each model's list, add and change forms, an object's history, a delete
confirmation) and every page of the jury's panel, in ru and kk, read as a person reads them: the
visible text and the attributes a screen reader or a tooltip shows. A page fails on English UI
words Django, allauth or our code leave untranslated, on Django's stock sentences that come out
ungrammatical for our models, on Kazakh typos of the stock catalogue and, on Kazakh pages, on
Russian UI words falling back from the Russian catalogue.

The lists below are what these pages showed before the fixes (ozgeris/admin_wording.py,
vendor_locale/), so each phrase once failed here. Data (names, emails, the demo's Russian
texts) is never matched: only whole UI phrases are."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from applications.models import Application
from jury import services
from jury.models import Criterion, JuryMember

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

# English a ru or kk page must not show: Django's, allauth's and ours, as they appeared.
ENGLISH = [
    "Add", "Change", "Delete", "Save", "History", "Filter", "Search", "Action", "Go",
    "View site", "Log out", "Home", "Select", "Show counts", "Hide counts", "True", "False",
    "Yes", "No", "Unknown", "All", "Now", "Clear", "Choose", "Remove", "Close",
    "Programme", "Organisation", "Organization", "Requested at", "Uploaded at", "Submitted at",
    "Created at", "Updated at", "Decided at", "Decided by", "Joined at", "Juror", "Application",
    "Criterion", "User", "Role", "Kind", "Object id", "Name ru", "Name kk", "Name en",
    "Status", "Date", "Time", "Name", "Email", "Title", "Summary", "Results", "Conflicts",
    "Progress", "Score", "Scores", "Submit", "Save draft", "Next application",
    "Change password", "Documentation", "Recent actions", "My actions", "None available",
    "Model name", "Add link", "Change or view list link", "Start typing to filter",
    "Toggle navigation", "Toggle theme", "Skip to main content", "Breadcrumbs", "Previous",
    "Next", "Run the selected action", "Delete selected", "Are you sure", "Change history",
    "Date/time", "Welcome", "Jury",
]
# Django's stock Russian that puts a model's name into a sentence ("Выберите заявка для
# изменения", "Программа «2019» был успешно изменен"); the verbs with each model's name are
# added from the registry below. And the stock Kazakh's typos.
BAD_RUSSIAN = [re.compile(r"Выберите [^|]{1,80}? для (изменения|просмотра)"),
               re.compile(r"[»\"“] был(о|а)? (успешно )?(изменен|добавлен|удален)"),
               re.compile(r"Добавить еще один")]
BAD_KAZAKH = [re.compile(pattern) for pattern in (
    r"өзгету\b", r"үщін", r"Өзгетру", r"Өзгерес", r"Жорнал", r"Даңғо", r"Сүзгіз", r"әрәкет",
    r"Өшіру/Уақыт", r"\bкос\b", r"\d+ of ")]
# Russian UI (not data) that falls back onto a Kazakh page.
RUSSIAN_ON_KAZAKH = [
    "Открыть сайт", "Показать счётчики", "Показать счетчики", "Скрыть счётчики", "Выйти",
    "Изменить пароль", "Начните печатать", "Найти", "Фильтр", "Действие", "Выполнить",
    "Сохранить", "Удалить", "Добавить", "История", "Начало", "Выберите", "Да", "Нет",
    "Неизвестно", "Все даты", "Любая дата", "Сегодня", "Последние 7 дней", "Этот месяц",
    "Этот год", "Выбрано", "Назад", "Далее", "Отправить", "Сортировать",
    "Удалить из сортировки", "Переключить", "Хлебные крошки", "Боковая панель",
]

# Text of these elements is not shown; these attributes are.
HIDDEN = {"script", "style", "template", "noscript"}
SHOWN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")


class ShownText(HTMLParser):
    """The page as read: the text outside scripts and styles, the shown attributes, and the
    labels of buttons (an input's value when it is a button)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        attrs = dict(attrs)
        self.parts += [attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def shown_text(html):
    parser = ShownText()
    parser.feed(html)
    return " | ".join(" ".join(part.split()) for part in parser.parts)


def _phrase(words):
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(word) for word in words)
                      + r")(?![\w-])")


def _model_phrases():
    """Django's "Добавить %s", "Изменить %s", "Просмотреть %s" with each model's name in the
    nominative, wrong for most of them, and a count before the plural name."""
    with translation.override("ru"):
        names = {str(model._meta.verbose_name) for model in admin.site._registry}
        plurals = {str(model._meta.verbose_name_plural) for model in admin.site._registry}
    verbs = "Добавить|Изменить|Просмотреть|Выберите"
    return [re.compile(rf"(?<!\w)({verbs}) ({'|'.join(map(re.escape, names))})(?!\w)"),
            # Django's paginator, a count and the plural name alone in a line of text:
            # "0 очередь проверки на мошенничество", "21 заявки".
            re.compile(rf"(?:^|(?<=\| ))\d+ ({'|'.join(map(re.escape, plurals))})"
                       r"(?= \||$)")]


ENGLISH_PHRASE = _phrase(sorted(ENGLISH, key=len, reverse=True))
RUSSIAN_PHRASE = _phrase(sorted(RUSSIAN_ON_KAZAKH, key=len, reverse=True))


def wording_problems(html, language):
    """What a ru or kk reader of this page would stumble on, each with a little context."""
    text = shown_text(html)

    def around(match):
        start, end = match.span()
        return f"{match.group(0)!r} in …{text[max(0, start - 40):end + 40]}…"

    found = [f"English {around(m)}" for m in ENGLISH_PHRASE.finditer(text)]
    for pattern in (BAD_RUSSIAN + _model_phrases() if language == "ru" else BAD_KAZAKH):
        found += [f"bad form {around(m)}" for m in pattern.finditer(text)]
    if language == "kk":
        found += [f"Russian {around(m)}" for m in RUSSIAN_PHRASE.finditer(text)]
    return found


def test_the_reader_finds_what_it_should_and_ignores_data():
    html = """<title>Select programme to change</title><style>.Add{}</style>
    <script>var Save = 1;</script><img src="x" alt="True"><a title="History">h</a>
    <input type="submit" value="Go"><input type="text" value="Add"><p>Adding «Addams»</p>
    <h1>Выберите заявка для изменения</h1><p>Программа «2019» был успешно изменен.</p>
    <a>Добавить программа</a><p>өтінім өзгету</p><a>ОТКРЫТЬ САЙТ</a>"""

    english = wording_problems(html, "ru")
    assert [line.split(" in ")[0] for line in english] == [
        "English 'Select'", "English 'True'", "English 'History'", "English 'Go'",
        "bad form 'Выберите заявка для изменения'", "bad form '» был успешно изменен'",
        "bad form 'Выберите заявка'", "bad form 'Добавить программа'"]
    assert wording_problems("<p>Заявки: выбор для изменения</p>", "ru") == []
    assert [line.split(" in ")[0] for line in wording_problems(
        "<p>0 очередь проверки на мошенничество</p><p>Заявки: 21</p>", "ru")] == [
        "bad form '0 очередь проверки на мошенничество'"]
    kazakh = " ".join(wording_problems(html, "kk"))
    assert "'өзгету'" in kazakh
    assert wording_problems("<p>Открыть сайт</p>", "kk") == [
        "Russian 'Открыть сайт' in …Открыть сайт…"]


# The admin, as programme staff ------------------------------------------------------------

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _staff_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _pages_of(model, model_admin, request):
    """The model's list, its add form where permitted and the change form of its first row."""
    if not model_admin.has_view_or_change_permission(request):
        return []
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    pages = [reverse(f"{name}_changelist")]
    if model_admin.has_add_permission(request):
        pages.append(reverse(f"{name}_add"))
    first = model_admin.get_queryset(request).order_by("pk").first()
    if first is not None and model_admin.has_view_or_change_permission(request, first):
        pages.append(reverse(f"{name}_change", args=[first.pk]))
    return pages


def _read(client, url, language):
    client.cookies["ozgeris_language"] = language
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.content.decode()
    assert f'lang="{language}"' in html, url
    return [f"{url}: {problem}" for problem in wording_problems(html, language)]


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("model, model_admin", MODEL_ADMINS,
                         ids=[model._meta.label for model, _admin in MODEL_ADMINS])
def test_each_admin_page_of_a_model_reads_in_the_language(client, staff, demo_programme,
                                                          model, model_admin, language):
    client.force_login(staff)
    problems = []
    for url in _pages_of(model, model_admin, _staff_request(staff)):
        problems += _read(client, url, language)
    assert problems == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_admin_index_history_and_delete_pages_read_in_the_language(client, staff,
                                                                       demo_programme,
                                                                       language):
    application = Application.objects.filter(programme=demo_programme).order_by("pk").first()
    meeting_admin = next(model_admin for model, model_admin in MODEL_ADMINS
                         if model_admin.has_delete_permission(_staff_request(staff))
                         and model_admin.get_queryset(_staff_request(staff)).exists())
    deletable = meeting_admin.get_queryset(_staff_request(staff)).order_by("pk").first()
    opts = deletable._meta
    client.force_login(staff)

    problems = []
    for url in ("/admin/",
                reverse("admin:applications_application_history", args=[application.pk]),
                reverse(f"admin:{opts.app_label}_{opts.model_name}_delete",
                        args=[deletable.pk])):
        problems += _read(client, url, language)

    assert problems == []


# The jury's panel, as a juror, the chair and staff ----------------------------------------

def _seat(programme, user, role):
    user.groups.add(Group.objects.get(name="Jury"))
    return JuryMember.objects.create(programme=programme, user=user, role=role,
                                     affiliation="Independent")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_jury_panel_page_reads_in_the_language(client, programme, make_user, staff,
                                                     language):
    juror = _seat(programme, make_user(email="juror@a.example.kz", display_name="Айгүл Серікова"),
                  "member")
    chair = _seat(programme, make_user(email="chair@c.example.kz", display_name="Бауыржан Омаров"),
                  "chair")
    nomination = programme.nominations.get(code="education")
    scored, to_score = (ApplicationFactory(programme=programme, status="eligible",
                                           nomination=nomination, project_title=title)
                        for title in ("Қолөнер", "Шеберхана"))
    criteria = Criterion.objects.filter(programme=programme)
    for application in (scored, to_score):
        services.save_sheet(juror=chair, application=application, submit=True, by=chair.user,
                            values={criterion.pk: (4, "") for criterion in criteria})
    services.save_sheet(juror=juror, application=scored, submit=True, by=juror.user,
                        values={criterion.pk: (3, "") for criterion in criteria})

    problems = []
    pages = {juror.user: ["jury_panel:index", ("jury_panel:score", to_score.pk),
                          ("jury_panel:score", scored.pk), "jury_panel:conflicts",
                          "jury_panel:supporting"],
             chair.user: ["jury_panel:index", "jury_panel:results"],
             staff: ["jury_panel:index", "jury_panel:conflicts", "jury_panel:progress"]}
    for person, names in pages.items():
        client.force_login(person)
        for name in names:
            name, *args = name if isinstance(name, tuple) else (name,)
            try:
                url = reverse(name, args=args)
            except NoReverseMatch:  # a page the panel no longer has
                continue
            problems += _read(client, url, language)

    assert problems == []

