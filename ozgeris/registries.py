"""The registries through which the spine and the report reach the apps without importing them.

Each app registers, in its ``AppConfig.ready()`` (most of it declared on its
``ozgeris.apps.PortalAppConfig``):

* exporters: ``name → Exporter(title, formats, render)``, where
  ``render(programme, options, progress) -> (filename, content_type, bytes)``;
* indicator sources: ``name → function(programme) -> value``;
* table sources: ``name → function(programme) -> (columns, rows)``;
* demo steps: parts of ``seed_demo``, run in ``order``;
* live-edition steps: each app's part of the live edition to try (``ozgeris.demo.live``);
* programme-copy steps: what carries over to next year's edition;
* background waits: what the worker owes, for ``/healthz`` (``name → BackgroundWait``);
* dashboard sources: the figures of the staff dashboard (``name → DashboardSource``);
* calendar sources: ``name → function(programme, user) -> [CalendarEvent]``, the events of a
  programme's ``.ics`` feed (``user`` is None for the public feed);
* mail segments: the people of a programme staff may write to (``name → MailSegment``);
* open datasets: the files of ``/open/`` (``name → OpenDataset``).
* application overviews: an edition's applications as the read-only seats read them
  (``name → function(programme) -> ApplicationOverview``; ``reporting``'s applications page).

Plain dictionaries: a name registered twice is a programming error and raises.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Exporter:
    name: str
    title: str
    formats: tuple
    render: Callable[..., tuple]
    # Read-only seats (ozgeris/reader_seats.py): an export that may carry personal data (names
    # or contacts of private persons, bank details, comments) is for staff only; unmarked ones
    # count as carrying it. The vote's audit file (per-vote secrets) is for staff and the
    # auditor only. ``readable_once(programme)``, when given, holds a file from those seats
    # until its figures are out (the vote's totals until the results are released); the
    # audit file from everyone, staff included (``reader_seats.figures_held``).
    # ``sealed_for(user, programme)``, when given, holds the file from a person it names,
    # staff included, for as long as it says so (the jury's scores and minutes from a juror of
    # that edition until its results are applied: they would undo blind scoring and the
    # juror's own abstentions).
    personal_data: bool = True
    audit_file: bool = False
    readable_once: Callable[..., bool] | None = None
    sealed_for: Callable[..., bool] | None = None


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[..., Any]
    reset: Callable[..., Any] | None = None


@dataclass(frozen=True)
class LiveStep:
    """``run(*, programme, phase, log)``: the app's content of the live edition once it has
    reached ``phase`` (its stage dates already set for it); a second run adds nothing."""

    name: str
    order: int
    run: Callable[..., Any]


@dataclass(frozen=True)
class CopyStep:
    name: str
    order: int
    run: Callable[..., Any]


@dataclass(frozen=True)
class BackgroundWait:
    """Work the worker owes: ``since()`` gives when the oldest item started waiting (None when
    nothing waits); ``/healthz`` calls it ``age_name`` and is degraded past ``max_age()``
    seconds (read when asked, so a setting can change it)."""

    name: str
    age_name: str
    since: Callable[[], Any]
    max_age: Callable[[], int]


@dataclass(frozen=True)
class DashboardFigure:
    """One figure of the staff dashboard: what it counts, the number, where staff act on it,
    and whether it is work waiting for them (shown under "waiting for you" when above 0)."""

    label: str
    value: int
    url: str = ""
    waiting: bool = False


@dataclass(frozen=True)
class DashboardSource:
    """``figures(programme) -> [DashboardFigure]`` in a fixed number of queries, whatever the
    programme's size: the dashboard's query count must not grow with the data."""

    name: str
    title: str
    order: int
    figures: Callable[..., list]


@dataclass(frozen=True)
class CalendarEvent:
    """One event of a programme's calendar feed (``ozgeris.calendars``). ``uid`` names what the
    event is, never its title or date (``"sitting-12"``), so a calendar app replaces the event
    when its date moves; ``ends`` None is a moment (a deadline), not a span."""

    uid: str
    summary: str
    starts: Any
    ends: Any = None
    description: str = ""
    location: str = ""


@dataclass(frozen=True)
class SegmentRecipient:
    """One person a mail segment reaches, with the values of the message's placeholders:
    ``organisation`` (text), ``deadline`` (an aware datetime or None), ``link`` (an absolute
    address). ``consented`` is False for someone who withdrew (or never gave) consent to the
    processing of personal data: the sending service leaves them out."""

    email: str
    language: str = "ru"
    name: str = ""
    organisation: str = ""
    deadline: Any = None
    link: str = ""
    consented: bool = True


@dataclass(frozen=True)
class MailSegment:
    """``recipients(programme) -> [SegmentRecipient]`` in a fixed number of queries, whatever
    the segment's size (a send's query count must not grow with it)."""

    name: str
    title: str
    recipients: Callable[..., list]
    order: int = 0


@dataclass(frozen=True)
class OpenField:
    """One column of an open dataset: its name, its Frictionless Table Schema type
    (``string``, ``integer``, ``number``, ``boolean``, ``datetime``, ``array``) and what it
    means; ``required`` columns are never empty."""

    name: str
    type: str
    description: Any
    required: bool = False


@dataclass(frozen=True)
class OpenDataset:
    """A dataset of ``/open/``. ``rows(programme)`` yields one dict per row, keyed by the
    schema's names, in no particular language (titles as ``_ru/_kk/_en`` columns), from the
    same functions as the app's pages and exporters; ``is_public(programme)`` says whether the
    data is public yet; ``version(programme)`` (optional) a short text that changes when the
    data does, part of the cache key. A dataset ``per_edition`` has a file per published
    programme; otherwise one file, and ``programme`` is None."""

    name: str
    title: Any
    description: Any
    schema: tuple
    rows: Callable[..., Any]
    is_public: Callable[..., bool]
    version: Callable[..., str] | None = None
    per_edition: bool = True
    order: int = 0


@dataclass(frozen=True)
class ApplicationOverviewRow:
    """One application of an edition as the read-only seats read it: the organisation (a legal
    entity, not personal data), the nomination, the status (code and label) and, once the jury's
    results are applied, the rank and total it was decided on (None before, and for an
    application the jury did not rank). Nothing else: no person, no document, no juror."""

    organisation: str
    nomination: str
    status: str
    status_label: Any
    rank: int | None = None
    total: float | None = None


@dataclass(frozen=True)
class ApplicationOverview:
    """``results_applied``: the jury's finalist decisions are made (until then no row carries
    a rank or a total)."""

    results_applied: bool
    rows: list


@dataclass
class Registry:
    kind: str
    items: dict = field(default_factory=dict)

    def register(self, name, item):
        if name in self.items:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self.items[name] = item
        return item

    def unregister(self, name):
        self.items.pop(name, None)

    def get(self, name):
        return self.items.get(name)

    def names(self):
        return sorted(self.items)

    def __contains__(self, name):
        return name in self.items

    def __iter__(self):
        return iter(self.items.values())


exporters = Registry("exporter")
indicator_sources = Registry("indicator source")
table_sources = Registry("table source")
demo_steps = Registry("demo step")
live_steps = Registry("live-edition step")
copy_steps = Registry("programme-copy step")
# What each app erases or anonymises when a person deletes their account: name → fn(user).
erasure_steps = Registry("account-erasure step")
background_waits = Registry("background wait")
dashboard_sources = Registry("dashboard source")
open_datasets = Registry("open dataset")
calendar_sources = Registry("calendar source")
mail_segments = Registry("mail segment")
application_overviews = Registry("application overview")


def register_exporter(name, *, title, formats, render, personal_data=True, audit_file=False,
                      readable_once=None, sealed_for=None):
    return exporters.register(name, Exporter(name, title, tuple(formats), render,
                                             personal_data, audit_file, readable_once,
                                             sealed_for))


def register_indicator(name, function):
    return indicator_sources.register(name, function)


def register_table(name, function):
    return table_sources.register(name, function)


def register_demo_step(name, *, order, run, reset=None):
    return demo_steps.register(name, DemoStep(name, order, run, reset))


def register_live_step(name, *, order, run):
    return live_steps.register(name, LiveStep(name, order, run))


def register_copy_step(name, *, order, run):
    return copy_steps.register(name, CopyStep(name, order, run))


def register_erasure_step(name, function):
    return erasure_steps.register(name, function)


def register_background_wait(name, *, age_name, since, max_age):
    return background_waits.register(name, BackgroundWait(name, age_name, since, max_age))


def register_dashboard_source(name, *, title, order, figures):
    return dashboard_sources.register(name, DashboardSource(name, title, order, figures))


def register_calendar_source(name, function):
    return calendar_sources.register(name, function)


def register_mail_segment(name, title, recipients_fn, *, order=0):
    return mail_segments.register(name, MailSegment(name, title, recipients_fn, order))


def register_application_overview(name, function):
    return application_overviews.register(name, function)


def register_open_dataset(name, *, title, description, schema, rows, is_public, version=None,
                          per_edition=True, order=0):
    return open_datasets.register(name, OpenDataset(
        name, title, description, tuple(schema), rows, is_public, version, per_edition, order))


def ordered(registry):
    return sorted(registry, key=lambda step: (step.order, step.name))


def no_progress(done, total, message=""):
    """The progress callback for callers that do not show one."""
