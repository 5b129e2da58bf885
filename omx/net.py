"""The client's address, the one rule every caller uses (login throttling, the request log)."""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The connection's address, or behind trusted proxies the address the
    outermost of them saw.

    Each proxy appends the address it was connected from to X-Forwarded-For,
    so only the last TRUSTED_PROXY_COUNT entries were written by our own
    proxies; anything to their left came from the client and may be forged.
    A header too short to hold an entry from every trusted proxy, or an entry
    that is not an address, means the proxies are not what the settings say:
    the connection's address is used then, never a client-written value.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.USE_X_FORWARDED_FOR:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = forwarded.split(",") if forwarded.strip() else []
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or len(entries) < count:
        return remote
    return _address(entries[-count]) or remote
