"""The client's address behind the proxy (issue 15): one function, ozgeris.clients.client_ip,
read by the vote's limits, the fraud review's stored address and allauth's own limits.
tests/test_proxy_drill.py runs the same through a real nginx."""

import pytest
from django.urls import reverse

from ozgeris.clients import client_ip

PROXY = "172.30.57.10"


def test_only_the_trusted_proxys_forwarded_for_is_read_and_only_its_right_most_entry(rf, settings):
    settings.TRUSTED_PROXIES = ["172.30.57.0/24"]

    def seen(remote, **headers):
        return client_ip(rf.get("/", REMOTE_ADDR=remote, **headers))

    # From the proxy (any address of its network): the address it appended or wrote.
    assert seen("172.30.57.10", HTTP_X_FORWARDED_FOR="203.0.113.5") == "203.0.113.5"
    assert seen("172.30.57.11", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert seen("::ffff:172.30.57.10", HTTP_X_FORWARDED_FOR="198.51.100.8") == "198.51.100.8"
    # Straight from a client: every forwarding header is its own word, and ignored.
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_CF_CONNECTING_IP",
                   "HTTP_FORWARDED", "HTTP_TRUE_CLIENT_IP"):
        assert seen("198.51.100.20", **{header: "10.9.9.9"}) == "198.51.100.20", header
    # Through the proxy, only X-Forwarded-For counts: other headers are the client's.
    assert seen(PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9", HTTP_X_REAL_IP="1.1.1.1",
                HTTP_CF_CONNECTING_IP="8.8.8.8") == "198.51.100.9"
    # The proxy forwarded nothing readable: its own address, never a client's claim.
    assert seen(PROXY) == PROXY
    assert seen(PROXY, HTTP_X_FORWARDED_FOR="not-an-address") == PROXY

    settings.TRUSTED_PROXIES = []  # the default: the peer is the client
    assert seen(PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5") == PROXY


def test_a_trusted_proxy_that_is_not_an_address_stops_the_settings(monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("TRUSTED_PROXIES", "172.30.57.10,nginx")
    result = subprocess.run([sys.executable, "-c", "import ozgeris.settings"],
                            capture_output=True, text=True, check=False)

    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr and "nginx" in result.stderr


@pytest.mark.django_db
def test_allauth_counts_failed_logins_per_client_behind_the_proxy(client, settings):
    """Five failed logins in five minutes lock out one address (ACCOUNT_RATE_LIMITS); behind
    the proxy that must be the visitor's, not the proxy's, or five typos anywhere in the
    country lock everyone out."""
    from ozgeris.accounts import AccountAdapter

    settings.TRUSTED_PROXIES = [PROXY]
    url = reverse("account_login")
    locked = str(AccountAdapter.error_messages["too_many_login_attempts"])

    def failed_login(address, number):
        response = client.post(url, {"login": f"nobody{number}@example.kz", "password": "x"},
                               REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
        return [str(error) for error in response.context["form"].non_field_errors()]

    first = [failed_login("203.0.113.5", number) for number in range(6)]
    other = failed_login("198.51.100.7", 6)

    assert all(locked not in errors for errors in first[:5])
    assert locked in first[5]  # the sixth from one visitor
    assert locked not in other  # another visitor behind the same proxy is not locked out
