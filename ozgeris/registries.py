"""The registries through which the spine and the report reach the apps without importing them.

Each app registers, in its ``AppConfig.ready()``:

* exporters: ``name → Exporter(title, formats, render)``, where
  ``render(programme, options, progress) -> (filename, content_type, bytes)``;
* indicator sources: ``name → function(programme) -> value``;
* table sources: ``name → function(programme) -> (columns, rows)``;
* demo steps: parts of ``seed_demo``, run in ``order``;
* programme-copy steps: what carries over to next year's edition;
* background waits: what the worker owes, for ``/healthz`` (``name → BackgroundWait``);
* dashboard sources: the figures of the staff dashboard (``name → DashboardSource``).

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
    staff_only: bool = True


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[..., Any]
    reset: Callable[..., Any] | None = None


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
copy_steps = Registry("programme-copy step")
# What each app erases or anonymises when a person deletes their account: name → fn(user).
erasure_steps = Registry("account-erasure step")
background_waits = Registry("background wait")
dashboard_sources = Registry("dashboard source")


def register_exporter(name, *, title, formats, render, staff_only=True):
    return exporters.register(name, Exporter(name, title, tuple(formats), render, staff_only))


def register_indicator(name, function):
    return indicator_sources.register(name, function)


def register_table(name, function):
    return table_sources.register(name, function)


def register_demo_step(name, *, order, run, reset=None):
    return demo_steps.register(name, DemoStep(name, order, run, reset))


def register_copy_step(name, *, order, run):
    return copy_steps.register(name, CopyStep(name, order, run))


def register_erasure_step(name, function):
    return erasure_steps.register(name, function)


def register_background_wait(name, *, age_name, since, max_age):
    return background_waits.register(name, BackgroundWait(name, age_name, since, max_age))


def register_dashboard_source(name, *, title, order, figures):
    return dashboard_sources.register(name, DashboardSource(name, title, order, figures))


def ordered(registry):
    return sorted(registry, key=lambda step: (step.order, step.name))


def no_progress(done, total, message=""):
    """The progress callback for callers that do not show one."""
