"""The address the site is served at, for the links that leave the page: e-mails, QR codes,
verification links, access cards, calendar feeds. `make run HOST=… PORT=…` passes its host
and port as SERVE_HOST / SERVE_PORT, so those links lead to the server it starts; SITE_URL,
when set (production), wins. Pure Python: the settings import it before Django is set up."""

import ipaddress
import socket

# Listening on every interface: the links need an address other devices can reach (a phone
# scanning a QR code), not 0.0.0.0.
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]", "*"}


def lan_address() -> str:
    """This machine's address on its network, or the loopback when it has none. Connecting a
    UDP socket only picks the route: no packet is sent."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): routed, never reached
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def served_site_url(host: str, port: str | int, *, scheme: str = "http") -> str:
    """The absolute URL of a server listening on `host`:`port`, without a trailing slash."""
    host = host.strip()
    if host in WILDCARD_HOSTS:
        host = lan_address()
    bare = host.strip("[]")
    try:
        if ipaddress.ip_address(bare).version == 6:
            host = f"[{bare}]"
    except ValueError:
        pass  # a host name
    port = int(port)
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")
