"""Which client a request is counted against."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from service.api.client_ip import budget_subject, client_ip

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8::/32"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # untrusted peer: header ignored
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "198.51.100.1, 10.9.9.9", "198.51.100.1"),  # two proxies
        ("10.1.2.3", "192.0.2.66, 198.51.100.1", "198.51.100.1"),  # left of it: forged
        ("10.1.2.3", "10.4.4.4, 10.5.5.5", "10.4.4.4"),  # all trusted: the leftmost
        ("10.1.2.3", "not-an-ip", "10.1.2.3"),
        ("10.1.2.3", "", "10.1.2.3"),
        ("2001:db8::1", "2001:0db8:0:0::9, 2001:db8::2", "2001:0db8:0:0::9"),
        (None, "198.51.100.1", "unknown"),
    ],
)
def test_client_ip(peer: str | None, forwarded: str | None, expected: str) -> None:
    assert client_ip(peer, forwarded, PROXIES) == expected


def test_ipv6_clients_are_counted_per_64() -> None:
    assert budget_subject("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert budget_subject("2001:db8:1:2::ffff") == budget_subject("2001:db8:1:2:aaaa::1")
    assert budget_subject("198.51.100.1") == "198.51.100.1"
