"""Settings of the baseline server: the portal's own settings (same middleware, database,
cache and environment), serving only bench/baseline.py's view."""

from ozgeris.settings import *  # noqa: F403

ROOT_URLCONF = "bench.baseline"
