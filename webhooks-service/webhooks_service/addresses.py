"""Where a delivery may go (no SSRF): the URL's host resolved once, every address
it resolves to checked, and the connection made to the checked address only.

Refused: loopback, private (RFC 1918), link-local (169.254/16, fe80::/10, the
cloud metadata address 169.254.169.254 among them), unique-local (fc00::/7,
fd00:ec2::254 among them), CGNAT (100.64/10), multicast, unspecified and
reserved addresses, IPv4 written inside IPv6 (::ffff:a.b.c.d, NAT64, 6to4)
judged by the IPv4 address, and ports other than 80 and 443. The resolver
(getaddrinfo) reads numeric forms such as `2130706433` and `0x7f.1` as the
addresses they spell (127.0.0.1), so they are judged like any other.
WEBHOOKS_ALLOWED_HOSTS names hosts exempt from the address and port checks
(development and tests); their addresses are still resolved once and pinned.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import httpx

from platform_common.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOWED_PORTS = frozenset({80, 443})
DEFAULT_PORTS = {"http": 80, "https": 443}
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class UnsafeUrl(ServiceError):
    """An endpoint URL the service will not send to: 422 at registration,
    shaped like a validation error of the body's `url`."""

    status_code = 422

    def body(self) -> dict[str, Any]:
        error = {"type": "unsafe_url", "loc": ["body", "url"], "msg": self.message, "input": None}
        return {"detail": [error]}


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public(address: IPAddress) -> bool:
    """Whether `address` is one a delivery may connect to."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    if address in _METADATA or (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


RESOLVE_TIMEOUT_SECONDS = 5.0


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system's resolver, numeric forms included)."""
    try:
        # An address in its standard form needs no resolver (nor its thread).
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, TimeoutError) as exc:
        raise UnsafeUrl(f"The host {host!r} does not resolve") from exc
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call the host."""

    url: httpx.URL
    address: str

    @property
    def pinned_url(self) -> httpx.URL:
        """The URL with its host replaced by the checked address."""
        return self.url.copy_with(host=self.address)

    @property
    def host_header(self) -> str:
        host = self.url.raw_host.decode("ascii")
        if ":" in host:
            host = f"[{host}]"
        return host if self.url.port is None else f"{host}:{self.url.port}"

    @property
    def sni_hostname(self) -> str | None:
        """The name TLS verifies the certificate against (None for an address literal)."""
        host = self.url.host
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host
        return None


class AddressPolicy:
    def __init__(
        self, allowed_hosts: Collection[str] = (), resolver: Resolver = system_resolver
    ) -> None:
        self.allowed_hosts = frozenset(host.lower().strip("[]") for host in allowed_hosts)
        self.resolver = resolver

    def parse(self, url: str) -> httpx.URL:
        """The URL if its form is acceptable (scheme, no credentials, port); 422 otherwise."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise UnsafeUrl(f"Not a valid URL: {exc}") from None
        if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
            raise UnsafeUrl("The URL must be http:// or https:// with a host")
        if parsed.userinfo:
            raise UnsafeUrl("The URL must not carry credentials")
        if parsed.fragment:
            raise UnsafeUrl("The URL must not have a fragment")
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        if port not in ALLOWED_PORTS and not self._exempt(parsed):
            raise UnsafeUrl("The URL's port must be 80 or 443")
        return parsed

    async def resolve(self, url: str) -> Target:
        """The URL, checked, with the address to connect to; 422 if it may not be used."""
        parsed = self.parse(url)
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        addresses = await self.resolver(parsed.host, port)
        if not addresses:
            raise UnsafeUrl(f"The host {parsed.host!r} does not resolve")
        if not self._exempt(parsed):
            # Every address, not just the one used: a name that also resolves
            # to a private address is refused whichever one would be picked.
            for each in addresses:
                if not is_public(ipaddress.ip_address(each.split("%", 1)[0])):
                    raise UnsafeUrl(f"The host {parsed.host!r} resolves to a non-public address")
        return Target(url=parsed, address=addresses[0])

    def _exempt(self, url: httpx.URL) -> bool:
        return url.host.lower() in self.allowed_hosts
