"""The one "client address → counter key" rule (platform_common.address_keys; issue 33, item 9)."""

import pytest

from platform_common.address_keys import address_key


class TestAddressKey:
    @pytest.mark.parametrize(
        ("address", "key"),
        [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            # Spellings of one address, and any other address of the /64.
            ("2001:DB8:1:2::", "2001:db8:1:2::/64"),
            ("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("fe80::1%eth0", "fe80::/64"),
            # An IPv4 client on a dual-stack socket is still that IPv4 address.
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("::ffff:cb00:7107", "203.0.113.7"),
        ],
    )
    def test_ipv4_whole_ipv6_by_64(self, address: str, key: str) -> None:
        assert address_key(address) == key

    def test_neighbouring_64s_stay_apart(self) -> None:
        assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
        assert address_key("203.0.113.7") != address_key("203.0.113.8")

    @pytest.mark.parametrize("text", ["unknown", "testclient", "", "2001:db8::/64", "x" * 300])
    def test_anything_else_is_kept_as_it_is(self, text: str) -> None:
        # What an ASGI server names a peer that is not an IP address (a test
        # client, a Unix socket): one client, as before. Keys are idempotent.
        assert address_key(text) == text
