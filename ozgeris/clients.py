"""Who is calling: the client's IP address behind the configured proxies, and a simple rate
limit on the cache (which fails open: a cache outage never blocks a vote or a sign-up)."""

import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """REMOTE_ADDR, or, when the request came through a trusted proxy, the right-most address
    in X-Forwarded-For that is not itself a trusted proxy (the left-most can be forged)."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(settings.TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in chain if part]):
        if address not in trusted:
            return address
    return remote


def parse_rate(rate):
    """'10/m' → (10, 60); units s, m, h, d."""
    count, _, unit = rate.partition("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit or "m"]


def over_limit(scope, key, rate):
    """Count one hit for ``key`` in the current window; True when it is over ``rate``."""
    limit, window = parse_rate(rate)
    bucket = f"rl:{scope}:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, window + 1):
        return limit < 1
    count = cache.incr(bucket)
    return count > limit
