"""The SSRF guard for outbound URLs (webhooks): shapes, and addresses after resolution."""

from __future__ import annotations

import pytest

from crm_shared.url_safety import UnsafeUrl, check_outbound_url, check_url_shape


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # plain http is refused unless allowed
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "https:///nohost",
        "https://example.com:99999/",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_bad_shapes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url_shape(url)


def test_http_can_be_allowed_for_development() -> None:
    assert check_url_shape("http://example.com/hook", allow_http=True) == ("example.com", 80)
    assert check_url_shape("https://example.com:8443/x") == ("example.com", 8443)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.10/",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://100.64.0.1/",  # carrier-grade NAT
    ],
)
async def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_outbound_url(url)


async def test_public_addresses_pass() -> None:
    assert await check_outbound_url("https://8.8.8.8/hook") == ["8.8.8.8"]
    assert await check_outbound_url("https://[2001:4860:4860::8888]/") == ["2001:4860:4860::8888"]
