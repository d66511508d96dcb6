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


def over_limit(*checks):
    """Count one hit for each ``(scope, key, rate)`` in its current window; True when any is
    over its rate. On Redis all the counters go in one round trip."""
    now = time.time()
    buckets = []
    for scope, key, rate in checks:
        limit, window = parse_rate(rate)
        buckets.append((f"rl:{scope}:{key}:{int(now // window)}", window + 1, limit))
    counter = getattr(cache, "count_hits", None)
    if counter is not None:
        counts = counter([(bucket, timeout) for bucket, timeout, _limit in buckets])
    else:
        counts = [_count_hit(bucket, timeout) for bucket, timeout, _limit in buckets]
    return any(count > limit for count, (_b, _t, limit) in zip(counts, buckets, strict=True))


def _count_hit(bucket, timeout):
    if cache.add(bucket, 1, timeout):
        return 1
    return cache.incr(bucket)
