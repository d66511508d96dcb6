"""Who is calling: the client's IP address behind the configured proxies, and a simple rate
limit on the cache (which fails open: a cache outage never blocks a vote or a sign-up)."""

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from ipware import get_client_ip


def client_ip(request):
    """The client's address, the portal's one reading of it: the vote's and the receipt page's
    limits, the address stored with a vote for the fraud review, and allauth's own limits
    (ozgeris.accounts.AccountAdapter) all use it.

    A request whose peer (REMOTE_ADDR) is not in ``TRUSTED_PROXIES`` came straight from the
    client, and every forwarding header it carries is ignored: anyone can send one. A request
    from a trusted proxy is read by django-ipware from X-Forwarded-For alone, right-most entry:
    the address the proxy itself saw, which it appended (or, with deploy/nginx/ozgeris.conf,
    wrote in place of whatever the client sent). Exactly one hop is believed, the proxy; the
    entries left of it are the client's own word."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(remote):
        return remote
    # The header lists the client first and the hops after it; with no hop counted inside it
    # (proxy_count=0) ipware takes its last entry, the one this proxy wrote.
    address, _routable = get_client_ip(
        request, proxy_order="left-most", proxy_count=0,
        request_header_order=("HTTP_X_FORWARDED_FOR",), strict=False, algorithm="modern")
    return address or remote


def _is_trusted_proxy(address):
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    if peer.version == 6 and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


@functools.lru_cache(maxsize=4)
def _trusted_networks(entries):
    """``TRUSTED_PROXIES``: addresses or CIDR networks (checked when the settings load)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


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
