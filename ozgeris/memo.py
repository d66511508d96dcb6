"""What a process keeps in its own memory for a few seconds, for the hottest path (the vote):
no round trip and no copy, so every caller gets the same object and only values nobody
changes belong here. Each process has its own; a value is at most ``seconds`` old."""

import time

_remembered = {}


def recall(key):
    """The value kept under ``key``, or None."""
    found = _remembered.get(key)
    return found[1] if found is not None and found[0] > time.monotonic() else None


def keep(key, value, seconds):
    _remembered[key] = (time.monotonic() + seconds, value)


def remember(key, seconds, compute):
    """The value kept under ``key``, or ``compute()``'s, kept for ``seconds``."""
    now = time.monotonic()
    found = _remembered.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    _remembered[key] = (now + seconds, value)
    return value


def claim(key, seconds):
    """True at most once per ``seconds`` for ``key`` in this process (two threads racing may
    both win once: callers use it to avoid asking for work too often, not for exclusion)."""
    now = time.monotonic()
    found = _remembered.get(key)
    if found is not None and found[0] > now:
        return False
    _remembered[key] = (now + seconds, True)
    return True


def forget():
    """Forget everything (a test starts with nothing remembered)."""
    _remembered.clear()
