"""Which address a request comes from, for per-client budgets.

``X-Forwarded-For`` is believed only when the peer itself is a trusted proxy, and then only up
to the first hop that is not trusted: every hop further left was written by the client and
could be anything.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

Networks = Sequence[IPv4Network | IPv6Network]


def _trusted(address: str, trusted: Networks) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def from_trusted_proxy(peer: str | None, trusted: Networks) -> bool:
    """Whether the peer is one of the trusted proxies, whose forwarded headers are believed."""
    return bool(peer) and _trusted(peer or "", trusted)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Networks) -> str:
    if not peer:
        return "unknown"
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: fall back to what we saw
    return hops[0] if hops else peer


@functools.lru_cache(maxsize=4096)  # parsed per request; busy clients come back
def budget_subject(address: str) -> str:
    """The unit a per-client budget counts: one IPv4 address, or one IPv6 /64 (one site)."""
    try:
        ip = ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ip_network(f"{ip}/64", strict=False))
    return str(ip)
