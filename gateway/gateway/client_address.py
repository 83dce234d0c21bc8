"""Who the client is: the direct peer, or what trusted proxies say it is.

`GATEWAY_TRUSTED_PROXIES` lists the networks of proxies in front of the
gateway. Walking X-Forwarded-For from the right (the hop nearest to us), each
hop added by a trusted proxy is skipped; the first hop that is not trusted is
the client. A peer that is not a trusted proxy is the client itself and its
X-Forwarded-For is ignored: anyone can write that header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def parse_address(text: str) -> Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def in_networks(address: Address | None, networks: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def _hops(forwarded_for: Iterable[bytes]) -> list[str]:
    """Every hop of every X-Forwarded-For header, in order, as one list."""
    return [
        hop.strip()
        for value in forwarded_for
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]


def client_address(
    peer: str | None, forwarded_for: Iterable[bytes], trusted: Sequence[Network]
) -> str | None:
    """The client's address per the rule above; None when the server named no peer."""
    if peer is None:
        return None
    client = peer
    if not trusted or not in_networks(parse_address(peer), trusted):
        return client
    for hop in reversed(_hops(forwarded_for)):
        address = parse_address(hop)
        if address is None:
            # Not an address: nothing to the left of it can be believed.
            return client
        client = str(address)
        if not in_networks(address, trusted):
            return client
    return client
