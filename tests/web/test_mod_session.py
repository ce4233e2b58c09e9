"""The moderator login, attacked over HTTP: wrong tokens lock the client out (429), sessions expire (issue 21,
item 9). Time is the app's clock, moved by hand; every request goes through the real app and store."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.web import create_app
from bot.web.lockout import Lockout, client_key
from bot.web.mod import COOKIE, SESSION_TTL
from moderation.kernel.clock import ManualClock
from tests.web.conftest import SECRET_REASON, TOKEN, Demo

SLUG = "pixel-forge"
QUEUE = f"/c/{SLUG}/mod/queue"
AUDIT = f"/c/{SLUG}/mod/audit"
WRONG = TOKEN[:-1] + "X"


class Site:
    """One registry app on the demo store and a clock; `client(address)` talks to it as that peer."""

    def __init__(self, demo: Demo) -> None:
        self.clock = ManualClock()
        self.app = create_app(demo.store, [demo.community], clock=self.clock)

    def client(self, address: str = "203.0.113.7", *, https: bool = False) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url=f"{'https' if https else 'http'}://registry.test")


@pytest.fixture
def site(demo: Demo) -> Site:
    return Site(demo)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_five_wrong_tokens_lock_the_client_out_even_for_the_right_token(site: Site) -> None:
    """4 wrong tokens: 403 each; the 5th: 429 with Retry-After; then the right token is refused too (a guesser
    learns nothing) until the lock is over; another address is not affected."""
    async with site.client() as c:
        for _ in range(4):
            assert (await c.get(QUEUE, headers=bearer(WRONG))).status_code == 403
        locked = await c.get(QUEUE, params={"token": WRONG})
        assert locked.status_code == 429
        assert locked.headers["retry-after"] == "900"
        assert "Too many wrong tokens" in locked.text and "15 minutes" in locked.text
        assert locked.headers["cache-control"] == "no-store"
        for attempt in (c.get(QUEUE, headers=bearer(TOKEN)), c.get(AUDIT, params={"token": TOKEN}), c.get(QUEUE)):
            refused = await attempt
            assert refused.status_code == 429 and SECRET_REASON not in refused.text
            assert COOKIE not in refused.headers.get("set-cookie", "")
    async with site.client("198.51.100.9") as other:
        assert (await other.get(QUEUE, headers=bearer(TOKEN))).status_code == 200
    site.clock.advance(timedelta(minutes=14))
    async with site.client() as c:
        assert int((await c.get(QUEUE, headers=bearer(TOKEN))).headers["retry-after"]) == 60
    site.clock.advance(timedelta(minutes=1))
    async with site.client() as c:
        opened = await c.get(QUEUE, headers=bearer(TOKEN))
        assert opened.status_code == 200 and SECRET_REASON in opened.text


async def test_ipv6_neighbours_in_one_64_share_the_count(site: Site) -> None:
    """Rotating through the addresses of one /64 does not reset the count."""
    for i in range(5):
        async with site.client(f"2001:db8:1:2::{i + 1:x}") as c:
            status = (await c.get(QUEUE, headers=bearer(WRONG))).status_code
    assert status == 429
    async with site.client("2001:db8:1:2::ffff") as c:
        assert (await c.get(QUEUE, headers=bearer(TOKEN))).status_code == 429
    async with site.client("2001:db8:1:3::1") as c:
        assert (await c.get(QUEUE, headers=bearer(TOKEN))).status_code == 200


async def test_old_mistakes_and_a_right_token_do_not_add_up(site: Site) -> None:
    """Failures older than the 15-minute window are forgotten; a right token forgives earlier mistakes."""
    async with site.client() as c:
        for _ in range(4):
            assert (await c.get(QUEUE, headers=bearer(WRONG))).status_code == 403
        site.clock.advance(timedelta(minutes=16))
        for _ in range(4):
            assert (await c.get(QUEUE, headers=bearer(WRONG))).status_code == 403
        assert (await c.get(QUEUE, headers=bearer(TOKEN))).status_code == 200
        for _ in range(4):
            assert (await c.get(QUEUE, headers=bearer(WRONG))).status_code == 403
        assert (await c.get(QUEUE, headers=bearer(WRONG))).status_code == 429


async def test_a_live_session_keeps_working_while_its_address_is_locked(site: Site) -> None:
    """A moderator signed in with the cookie is not locked out by someone guessing from the same address."""
    async with site.client() as moderator, site.client() as guesser:
        assert (await moderator.get(QUEUE, params={"token": TOKEN})).status_code == 303
        for _ in range(5):
            await guesser.get(QUEUE, headers=bearer(WRONG))
        assert (await guesser.get(QUEUE)).status_code == 429
        page = await moderator.get(QUEUE)
        assert page.status_code == 200 and SECRET_REASON in page.text


async def test_the_session_cookie_expires_in_the_browser_and_on_the_server(site: Site) -> None:
    """The cookie says Max-Age=8h, and the server refuses it after 8 hours even if a browser (or a thief)
    keeps sending it; the refusal clears it and asks for the token again."""
    async with site.client() as c:
        login = await c.get(QUEUE, params={"token": TOKEN})
        cookie = login.headers["set-cookie"]
        assert f"Max-Age={int(SESSION_TTL.total_seconds())}" in cookie
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and "secure" not in cookie.lower()
        value = c.cookies[COOKIE]
        assert TOKEN not in value
        site.clock.advance(SESSION_TTL - timedelta(seconds=1))
        assert (await c.get(AUDIT)).status_code == 200
        site.clock.advance(timedelta(seconds=1))
    async with site.client() as thief:  # the same cookie, sent by hand after it expired
        thief.cookies.set(COOKIE, value, path=f"/c/{SLUG}/mod")
        expired = await thief.get(QUEUE)
        assert expired.status_code == 401 and SECRET_REASON not in expired.text
        assert "session has ended" in expired.text
        assert f'{COOKIE}=""' in expired.headers["set-cookie"] and "Max-Age=0" in expired.headers["set-cookie"]


async def test_a_cookie_with_a_forged_issue_time_is_refused(site: Site) -> None:
    """The issue time is signed: moving it forward to stretch an old session breaks the MAC."""
    async with site.client() as c:
        await c.get(QUEUE, params={"token": TOKEN})
        value = c.cookies[COOKIE]
    issued, _, mac = value.partition(".")
    site.clock.advance(SESSION_TTL)
    fresh = int(site.clock().timestamp())
    late = int(issued) + 10**9
    forgeries = (f"{fresh}.{mac}", f"{late}.{mac}", mac, f"{issued}.{'0' * 64}", f"-5.{mac}", f"1e12.{mac}")
    for forged in forgeries:
        async with site.client() as thief:
            thief.cookies.set(COOKIE, forged, path=f"/c/{SLUG}/mod")
            assert (await thief.get(QUEUE)).status_code == 401, forged


async def test_the_cookie_is_secure_over_https(site: Site) -> None:
    """Behind TLS (the request arrives as https) the cookie is only ever sent back over https."""
    async with site.client(https=True) as c:
        login = await c.get(QUEUE, params={"token": TOKEN})
        assert login.status_code == 303
        assert "secure" in login.headers["set-cookie"].lower()


def test_lockout_memory_is_bounded() -> None:
    """A flood of addresses keeps at most `max_clients` records; the oldest go first."""
    clock = ManualClock()
    lockout = Lockout(clock=clock, max_failures=2, max_clients=3)
    for n in range(10):
        lockout.failed(client_key(f"192.0.2.{n}"))
    assert len(lockout._records) == 3
    assert lockout.failed(client_key("192.0.2.9")) == 900  # the latest is still counted
    assert lockout.failed(client_key("192.0.2.0")) is None  # the first was dropped
    assert client_key(None) == "unknown" and client_key("not-an-ip") == "not-an-ip"
