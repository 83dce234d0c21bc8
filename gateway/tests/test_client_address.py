from ipaddress import ip_network

import pytest

from gateway.client_address import Network, client_address

TRUSTED: list[Network] = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        # No proxies configured: the peer, whatever the header says.
        ("203.0.113.7", [b"1.2.3.4"], [], "203.0.113.7"),
        # An untrusted peer: its header is ignored.
        ("203.0.113.7", [b"1.2.3.4"], TRUSTED, "203.0.113.7"),
        # Through our proxies: the rightmost hop none of them is.
        ("10.0.0.1", [b"6.6.6.6, 198.51.100.9, 10.2.2.2"], TRUSTED, "198.51.100.9"),
        # Several headers are one list, in order.
        ("10.0.0.1", [b"6.6.6.6", b"198.51.100.9"], TRUSTED, "198.51.100.9"),
        # A trusted peer without a header is the client.
        ("10.0.0.1", [], TRUSTED, "10.0.0.1"),
        # Only trusted hops: the leftmost.
        ("10.0.0.1", [b"10.3.3.3, 10.2.2.2"], TRUSTED, "10.3.3.3"),
        # A hop that is no address ends the walk at the last one we can name.
        ("10.0.0.1", [b"1.1.1.1, junk, 10.2.2.2"], TRUSTED, "10.2.2.2"),
        ("fd00::1", [b"2001:db8::5"], TRUSTED, "2001:db8::5"),
        (None, [b"1.2.3.4"], TRUSTED, None),
    ],
)
def test_client_address(
    peer: str | None, forwarded_for: list[bytes], trusted: list[Network], client: str | None
) -> None:
    assert client_address(peer, forwarded_for, trusted) == client
