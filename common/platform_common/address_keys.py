"""What a per-address counter counts as one client: the one rule for every service.

An IPv4 address is one client. An IPv6 client is its /64: a network is
handed at least a /64 (RFC 6177 and common ISP practice), and its host picks
any address in it at will (RFC 8981 temporary addresses), so keyed by the
full /128 one subscriber would be 2^64 clients. An IPv4-mapped IPv6 address
(`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4 peer) is
the IPv4 address. The gateway's quotas and auth-service's login and
password-reset throttles all key on this.
"""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network, ip_address

IPV6_CLIENT_PREFIX = 64


def address_key(address: str) -> str:
    """`address` as a counter key; text that is not an IP address (a test
    client's name, a Unix socket) is kept as it is, so a key is its own key."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if not isinstance(parsed, IPv6Address):
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    # From the integer: a zone (`fe80::1%eth0`) is no part of the network.
    network = IPv6Network((int(parsed), IPV6_CLIENT_PREFIX), strict=False)
    return str(network)
