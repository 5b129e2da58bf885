"""omx.net.client_ip: the connection's address, or the X-Forwarded-For entry
the outermost trusted proxy added; never a value the client wrote."""

import pytest
from django.test import RequestFactory

from omx.net import client_ip


def request(forwarded=None, remote="10.0.0.2"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_connection_address_by_default(settings):
    settings.USE_X_FORWARDED_FOR = False
    assert client_ip(request("203.0.113.9")) == "10.0.0.2"
    assert client_ip(request()) == "10.0.0.2"


@pytest.mark.parametrize("forwarded, proxies, expected", [
    ("203.0.113.9", 1, "203.0.113.9"),
    ("6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),          # a spoofed entry on the left is ignored
    ("6.6.6.6,203.0.113.9", 1, "203.0.113.9"),
    ("6.6.6.6, 203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),  # two proxies: the second from the right
    ("203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),
    ("  2001:db8::1 ", 1, "2001:db8::1"),
    ("10.0.0.1", 2, "10.0.0.2"),          # shorter than the proxy chain: not trusted
    ("", 1, "10.0.0.2"),
    (None, 1, "10.0.0.2"),
    ("6.6.6.6, not-an-address", 1, "10.0.0.2"),  # what our proxy wrote is unusable: not the client's
    ("6.6.6.6, ", 1, "10.0.0.2"),         # the last entry is empty: 6.6.6.6 is still the client's
])
def test_behind_trusted_proxies(settings, forwarded, proxies, expected):
    settings.USE_X_FORWARDED_FOR = True
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded)) == expected
