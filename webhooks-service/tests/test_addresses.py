import ipaddress

import pytest

from webhooks_service.addresses import AddressPolicy, UnsafeUrl, is_public


def resolving_to(*addresses: str) -> AddressPolicy:
    async def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return AddressPolicy(resolver=resolver)


class TestIsPublic:
    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",  # cloud metadata
            "169.254.1.1",
            "100.64.0.1",  # CGNAT
            "100.127.255.254",
            "224.0.0.1",
            "239.255.255.250",
            "0.0.0.0",  # noqa: S104 (an address refused, not bound)
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",  # cloud metadata (IPv6)
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
            "2002:7f00:1::",  # 6to4 of 127.0.0.1
            "::127.0.0.1",  # IPv4-compatible (deprecated)
        ],
    )
    def test_refused(self, address: str) -> None:
        assert not is_public(ipaddress.ip_address(address))

    @pytest.mark.parametrize(
        "address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]
    )
    def test_public(self, address: str) -> None:
        assert is_public(ipaddress.ip_address(address))


class TestResolve:
    @pytest.mark.parametrize(
        "url",
        [
            "http://2130706433/hook",
            "http://0x7f.1/hook",
            "http://0177.0.0.1/hook",
            "http://127.1/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[::1]/hook",
            "http://localhost/hook",
            "https://169.254.169.254/latest/meta-data",
            "http://[fd00:ec2::254]/",
        ],
    )
    async def test_internal_forms_refused_by_the_system_resolver(self, url: str) -> None:
        with pytest.raises(UnsafeUrl):
            await AddressPolicy().resolve(url)

    async def test_a_name_resolving_to_loopback_refused(self) -> None:
        with pytest.raises(UnsafeUrl, match="non-public"):
            await resolving_to("127.0.0.1").resolve("https://rebind.example/hook")

    async def test_a_name_with_one_private_address_among_public_ones_refused(self) -> None:
        with pytest.raises(UnsafeUrl):
            await resolving_to("93.184.215.14", "10.0.0.5").resolve("https://mixed.example/")

    async def test_a_public_name_pinned_to_its_checked_address(self) -> None:
        target = await resolving_to("93.184.215.14").resolve("https://example.com/hook?a=1")
        assert target.address == "93.184.215.14"
        assert target.url.host == "example.com"

    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com:8443/hook",
            "http://example.com:22/",
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "https:///nohost",
            "not a url",
        ],
    )
    async def test_other_ports_schemes_and_credentials_refused(self, url: str) -> None:
        with pytest.raises(UnsafeUrl):
            await resolving_to("93.184.215.14").resolve(url)

    async def test_explicit_default_ports_accepted(self) -> None:
        policy = resolving_to("93.184.215.14")
        assert (await policy.resolve("https://example.com:443/")).address == "93.184.215.14"
        assert (await policy.resolve("http://example.com:80/")).address == "93.184.215.14"

    async def test_an_unresolvable_name_refused(self) -> None:
        with pytest.raises(UnsafeUrl, match="does not resolve"):
            await AddressPolicy().resolve("https://no-such-host.invalid/")

    async def test_allowed_hosts_skip_the_address_and_port_checks(self) -> None:
        policy = AddressPolicy(allowed_hosts=["127.0.0.1"])
        target = await policy.resolve("http://127.0.0.1:8099/hook")
        assert target.address == "127.0.0.1"
        with pytest.raises(UnsafeUrl):
            await policy.resolve("http://localhost:8099/hook")
