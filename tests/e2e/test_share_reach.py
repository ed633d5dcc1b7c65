"""A page opened at 127.0.0.1 shares links students cannot open: the share dialog says so and
offers the machine's network addresses; the one picked is used for the link and its QR codes,
and remembered."""

from __future__ import annotations

from tests.e2e.harness import api, open_playground, ready
from tests.e2e.test_share_and_teach import close_dialogs, decode_qr, share


def test_share_on_loopback_warns_and_uses_the_address_picked(chromium, server_url):
    page = open_playground(chromium, server_url)
    try:
        assert "127.0.0.1" in server_url
        url = share(page)
        warning = page.get_by_test_id("share-reach-warning")
        assert warning.is_visible()
        assert "this computer" in warning.text_content()
        assert url.startswith(server_url)  # nothing picked yet: the page's own address
        addresses = api(server_url, "network-addresses")["addresses"]
        pick = page.get_by_test_id("share-base")
        if not addresses:
            assert pick.count() == 0
            assert "no network address" in page.get_by_test_id("share-reach").text_content()
            return
        chosen = addresses[0]["base_url"]
        pick.select_option(chosen)
        link_id = url.rsplit("/", 1)[1]
        page.wait_for_function(
            "u => document.querySelector('[data-testid=share-url]').textContent === u",
            arg=f"{chosen}/s/{link_id}",
        )
        assert page.get_by_test_id("share-url").get_attribute("href") == f"{chosen}/s/{link_id}"
        page.wait_for_function(
            "() => document.querySelector('[data-testid=qr]').src.includes('base=')"
        )
        assert decode_qr(page, page.get_by_test_id("qr")) == f"{chosen}/s/{link_id}"
        close_dialogs(page)
        # remembered: the next share in this browser uses it at once
        page.reload()
        ready(page)
        again = share(page)
        assert again.startswith(chosen)
        assert page.errors == []
    finally:
        page.context.close()
