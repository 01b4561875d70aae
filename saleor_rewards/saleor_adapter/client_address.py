"""The client's network address, as far as the shop's own proxies vouch for it (A2).

The public visit report is rate-limited per client address. Saleor's
``get_client_ip`` (3.23) answers the FIRST valid entry of ``X-Forwarded-For``: the one
the client wrote itself, so a new forged header per request never meets the limit.
A proxy appends the address of its peer to the header, so only entries appended by
the shop's own proxies are true, and they are the right-most ones.

``SALEOR_REWARDS_TRUSTED_PROXIES`` (Django setting or environment variable): how many
reverse proxies in front of Saleor append to ``X-Forwarded-For``.

- ``0``: the header is ignored; the client is ``REMOTE_ADDR``.
- ``N >= 1``: the client is the N-th entry from the right, the peer the outermost of
  the shop's proxies saw. With fewer entries, or that entry not an address, the
  request did not come through all N proxies (or N is wrong): the client is
  ``REMOTE_ADDR``, never the left-most entry, which is the client's own writing.
  Such requests then share the address of the innermost proxy (fails closed: they
  are limited together, never left unlimited).
- unset: Saleor's reading, kept for shops that set nothing; forgeable unless the
  proxy in front overwrites the header.

Any other value (not a non-negative integer, an empty string included) is refused
with ``ImproperlyConfigured``: at startup (``RewardsConfig.ready``) and on every use.
"""

import ipaddress
import os

SETTING = "SALEOR_REWARDS_TRUSTED_PROXIES"


def trusted_proxies() -> int | None:
    """The configured number of trusted proxies; ``None`` when unset."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    value = getattr(settings, SETTING, None)
    if value is None:
        value = os.environ.get(SETTING)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ImproperlyConfigured(
        f"{SETTING} must be the number of reverse proxies in front of Saleor that "
        f"append to X-Forwarded-For (0, 1, 2, ...), not {value!r}."
    )


def _address(value: str) -> str | None:
    """``value`` in one written form (an IPv4 client of a dual-stack proxy, written as
    ``::ffff:a.b.c.d``, is one client with ``a.b.c.d``); ``None`` if no address."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return str(getattr(address, "ipv4_mapped", None) or address)


def client_address(request) -> str:
    """The address the plugin counts the request's client by; ``""`` when unknown."""
    proxies = trusted_proxies()
    if proxies is None:
        from saleor.core.utils import get_client_ip

        return get_client_ip(request) or ""
    remote = request.META.get("REMOTE_ADDR") or ""
    if proxies == 0:
        return remote
    # Several X-Forwarded-For headers arrive joined by commas, in order.
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        return remote
    return _address(entries[-proxies]) or remote
