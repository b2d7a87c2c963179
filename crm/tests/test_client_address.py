"""crm.security.client_address: X-Forwarded-For counts only behind trusted proxies."""

import pytest
from django.test import RequestFactory

from crm.security.client_address import client_address


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture(autouse=True)
def _no_proxies(settings):
    settings.TRUSTED_PROXIES = []
    settings.NUM_PROXIES = 0


def test_without_proxies_the_header_is_ignored():
    assert client_address(_request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


def test_trusted_proxy_list_reads_the_first_untrusted_hop_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    request = _request("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.1.2.3")
    # 6.6.6.6 was written by the client; 203.0.113.5 is what our first proxy saw.
    assert client_address(request) == "203.0.113.5"


def test_a_request_not_from_a_trusted_proxy_keeps_its_socket_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("198.51.100.9", "203.0.113.1")) == "198.51.100.9"


def test_garbage_in_the_header_falls_back_to_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("10.0.0.2", "not-an-ip")) == "10.0.0.2"


def test_num_proxies_counts_from_the_right(settings):
    settings.NUM_PROXIES = 1
    assert client_address(_request("10.0.0.2", "6.6.6.6, 203.0.113.5")) == "203.0.113.5"
    settings.NUM_PROXIES = 2
    assert client_address(_request("10.0.0.2", "6.6.6.6, 203.0.113.5")) == "6.6.6.6"


def test_num_proxies_without_a_header_uses_the_socket(settings):
    settings.NUM_PROXIES = 1
    assert client_address(_request("10.0.0.2")) == "10.0.0.2"
