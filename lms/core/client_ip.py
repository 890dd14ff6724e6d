"""The client's network address, as every lock-out and rate limit of the site counts it.

One function, one setting: django-axes (AXES_CLIENT_IP_CALLABLE), django-ratelimit
(RATELIMIT_IP_META_KEY) and any other per-address limit call `client_ip`, so that an address
locked out of the login form is the same address throttled everywhere else.

By default the address is REMOTE_ADDR, the peer of the TCP connection: headers such as
X-Forwarded-For are written by the client and are never believed unless the deployment says
how many reverse proxies it runs (TRUSTED_PROXY_COUNT). Then the address is the one the
outermost trusted proxy saw, i.e. the N-th entry from the right of X-Forwarded-For (each proxy
appends the address it received the request from); entries further left were supplied by the
client and are ignored."""

import ipaddress

from django.conf import settings

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and address.endswith("]"):  # [::1]
        address = address[1:-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address for `request`; never raises, never empty (a request without any
    usable address counts as "0.0.0.0", so that it is limited rather than unlimited)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    header = getattr(settings, "CLIENT_IP_HEADER", FORWARDED_HEADER) or FORWARDED_HEADER
    # Bounded: a header of thousands of entries costs one split. Only its tail is read: the
    # entries our proxies appended are the last ones, and a client padding the header must not
    # push them out of what is read.
    entries = [entry for entry in request.META.get(header, "")[-4096:].split(",")
               if entry.strip()]
    if len(entries) < proxies:
        # Fewer hops than proxies declared: the request did not come through them all, so the
        # header cannot be trusted; count the connection's peer.
        return remote
    return _valid(entries[-proxies]) or remote
