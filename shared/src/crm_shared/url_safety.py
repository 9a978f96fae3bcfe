"""Outbound URL checks against SSRF, for URLs that users give us (webhook targets).

A URL passes only if it is ``https`` (``http`` when allowed, for development), has no
user-info, and every address its host resolves to is a public unicast address: not
loopback, private, link-local (cloud metadata lives at 169.254.169.254), multicast,
reserved or unspecified. Check again right before each delivery: DNS answers change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class UnsafeUrl(ValueError):
    """The URL may not be called from inside the platform."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url_shape(url: str, *, allow_http: bool = False) -> tuple[str, int]:
    """The host and port of ``url`` if its form is acceptable; :class:`UnsafeUrl` if not."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from exc
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl(f"the URL must use {' or '.join(schemes)}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL may not carry a user name or password")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_outbound_url(url: str, *, allow_http: bool = False) -> list[str]:
    """The addresses ``url`` may be called at; :class:`UnsafeUrl` if any is not public
    (so a name that resolves to both a public and a private address is refused)."""
    host, port = check_url_shape(url, allow_http=allow_http)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeUrl(f"the host {host} does not resolve") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    blocked = [a for a in addresses if not _public(a)]
    if blocked or not addresses:
        raise UnsafeUrl(f"the host {host} resolves to a non-public address ({', '.join(blocked)})")
    return addresses
