"""Where webhooks may be sent: public ``https`` URLs (``crm_shared.url_safety``), plus hosts and
CIDR blocks an operator allow-listed (``webhook_allow_hosts``), which may also use ``http``.
Checked when a subscription is saved and again right before every delivery."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from crm_shared.url_safety import UnsafeUrl, check_outbound_url, check_url_shape

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``text`` as an address (IPv4-mapped IPv6 unwrapped), or None for a host name."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class AllowList:
    """Host names and networks exempt from the public-address rule."""

    names: frozenset[str]
    networks: tuple[IpNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """From settings entries: host names, addresses or CIDR blocks."""
        names: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def covers(self, host_or_address: str) -> bool:
        """True when a host name is listed or an address lies in a listed network."""
        if host_or_address.lower().rstrip(".") in self.names:
            return True
        ip = _ip(host_or_address)
        return ip is not None and any(ip in net for net in self.networks)


async def _resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check_target(url: str, allow: AllowList) -> None:
    """Accept ``url`` as a webhook target or raise :class:`UnsafeUrl` saying why."""
    host, port = check_url_shape(url, allow_http=True)
    if allow.covers(host):
        return
    try:
        await check_outbound_url(url)
    except UnsafeUrl:
        # a name may resolve into an allow-listed network (an internal receiver)
        if allow.networks and _ip(host) is None:
            try:
                addresses = await _resolve(host, port)
            except OSError:
                addresses = []
            if addresses and all(allow.covers(a) for a in addresses):
                return
        raise
