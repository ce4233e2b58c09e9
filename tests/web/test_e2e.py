"""The registry in headless Chromium: real uvicorn on loopback, what a person sees, no JavaScript needed.

Chromium is Debian's (`/usr/bin/chromium`, installed by `.ci/install-chromium.sh`); under CI=true a missing
browser fails these tests instead of skipping them. Every request the browser makes to anything but the
registry's loopback address is blocked and recorded, and the tests assert there were none.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Response, Route, async_playwright

from bot.web.server import make_server
from storage import Store
from tests.web.conftest import SECRET_REASON, TOKEN, demo_community, replay_demo

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "img" / "release-page.png"
SLUG = "pixel-forge"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run .ci/install-chromium.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: a missing browser is a failure)")
    pytest.skip(message + " (CI=true makes this a failure)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _in_thread(fn: Callable[[], None]) -> None:
    """Run `fn` in a thread of its own (pytest-asyncio may already run a loop in this one)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store filled once by the demo for every browser test of this module."""
    _require_chromium()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'registry.db'}"

    async def fill() -> None:
        store = Store.from_url(url)
        try:
            await store.upgrade()
            await replay_demo(store, demo_community())
        finally:
            await store.close()

    _in_thread(lambda: asyncio.run(fill()))
    ARTIFACTS.mkdir(exist_ok=True)
    return url


@pytest.fixture
async def base_url(db_file: str) -> AsyncIterator[str]:
    """uvicorn serving the registry as a task of the test's loop, on 127.0.0.1 and a free port."""
    store = Store.from_url(db_file)
    server = make_server(store, [demo_community()], host="127.0.0.1", port=_free_port(), log_level="warning")
    task = asyncio.create_task(server.serve())
    for _ in range(300):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    if not server.started:
        pytest.fail("the registry server did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        await store.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    _require_chromium()
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


class Session:
    """A browser context that blocks and records every request leaving the registry's address."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.blocked: list[str] = []

    async def open(self, browser: Browser, **options: Any) -> Session:
        self.context = await browser.new_context(**options)
        await self.context.route("**/*", self._route)
        self.page = await self.context.new_page()
        return self

    async def _route(self, route: Route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.hostname == "127.0.0.1" and parsed.scheme == "http":
            await route.continue_()
        else:
            self.blocked.append(route.request.url)
            await route.abort()

    async def goto(self, path: str) -> Response | None:
        return await self.page.goto(self.base + path)

    async def close(self) -> None:
        await self.context.close()
        assert self.blocked == [], f"requests outside the registry: {self.blocked}"


@pytest.fixture
async def session(browser: Browser, base_url: str) -> AsyncIterator[Session]:
    """A desktop-sized context with JavaScript switched off (the pages must not need it)."""
    s = await Session(base_url).open(browser, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield s
    await s.close()


async def test_front_page_to_community(session: Session) -> None:
    """The front page shows the community with its count; following the link opens its releases."""
    page = session.page
    response = await session.goto("/")
    assert response is not None and response.status == 200
    assert await page.title() == "normbot registry"
    card = page.locator("li.card", has_text="Pixel Forge")
    assert "3 releases" in await card.inner_text()
    await card.get_by_role("link", name="Pixel Forge").click()
    await page.wait_for_url(f"{session.base}/c/{SLUG}")
    assert await page.locator("h1").inner_text() == "Pixel Forge"


async def test_community_page_badges_and_filter_form_without_js(session: Session) -> None:
    """Rows carry status badges; choosing a model type and pressing Filter (a plain GET form) narrows the list."""
    page = session.page
    await session.goto(f"/c/{SLUG}")
    assert await page.locator("table.releases tbody tr").count() == 3
    assert await page.locator("table.releases .badge").all_inner_texts() == [
        "changes requested · 2 upheld flags",
        "in review",
        "endorsed",
    ]
    await page.select_option("select[name=model_type]", "lora")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**model_type=lora**")
    assert await page.locator("table.releases .ref").all_inner_texts() == ["R3", "R1"]
    assert await page.locator("select[name=model_type]").input_value() == "lora"
    assert "2 releases match these filters" in await page.locator("#count").inner_text()
    await page.fill("input[name=q]", "neon")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**q=neon**")
    assert await page.locator("table.releases .ref").all_inner_texts() == ["R1"]


async def test_release_page_and_screenshot(session: Session) -> None:
    """R2's page shows its ref, status, failing norms with evidence and the pack digest; it is screenshotted."""
    page = session.page
    await session.goto("/r/2")
    assert await page.locator("h1 .ref").inner_text() == "R2"
    assert await page.locator("p.lead .badge").inner_text() == "in review"
    safe_format = page.locator("li.result", has_text="harm-safe-format")
    assert await safe_format.locator(".badge").inner_text() == "fail"
    assert ".ckpt" in await safe_format.locator(".evidence").inner_text()
    assert "digest" in await page.locator("#norm-check p.muted").inner_text()
    assert await page.locator("#endorsements p").inner_text() == "dee"
    assert await page.locator("#lineage").get_by_role("link", name="R1 Neon Dreams v2").is_visible()
    shot = ARTIFACTS / "release-page.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if not DOCS_SCREENSHOT.exists() or os.environ.get("NORMBOT_UPDATE_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)


async def test_norms_page_readable(session: Session) -> None:
    """The norms page has a section per need, in order, and shows each norm's title, severity and fix."""
    page = session.page
    await session.goto(f"/c/{SLUG}/norms")
    headings = [t.split()[0] for t in await page.locator("section.need h2").all_inner_texts()]
    assert headings == ["Harms", "Credit", "Ownership"]
    norm = page.locator("#norm-harm-safe-format")
    assert await norm.locator("h3").inner_text() == "Ship weights as safetensors or GGUF"
    assert await norm.locator(".badge").inner_text() == "nudge"
    assert "Convert the weights" in await norm.locator(".fix").inner_text()


async def test_phone_viewport_has_no_sideways_scroll(browser: Browser, base_url: str) -> None:
    """On a 390 px wide phone the listing turns into stacked cards and no page scrolls sideways."""
    s = await Session(base_url).open(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = s.page
        for path in (f"/c/{SLUG}", "/r/2", f"/c/{SLUG}/norms", "/"):
            await s.goto(path)
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
        await s.goto(f"/c/{SLUG}")
        assert await page.locator("table.releases thead").is_hidden()
        assert await page.locator("table.releases td[data-label=Creator]").first.is_visible()
    finally:
        await s.close()


async def test_moderator_token_becomes_a_cookie_scripts_cannot_read(browser: Browser, base_url: str) -> None:
    """The token form opens the queue, leaves the address bar clean and sets an HttpOnly cookie scripts cannot see."""
    s = await Session(base_url).open(browser)
    try:
        page = s.page
        response = await s.goto(f"/c/{SLUG}/mod/queue")
        assert response is not None and response.status == 401
        await page.fill("input[name=token]", TOKEN)
        await page.get_by_role("button", name="Open").click()
        await page.wait_for_url(f"{base_url}/c/{SLUG}/mod/queue")
        assert "token" not in page.url
        assert SECRET_REASON in await page.locator("#open-flags").inner_text()
        [cookie] = await s.context.cookies()
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
        assert await page.evaluate("document.cookie") == ""
    finally:
        await s.close()


def test_missing_browser_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Under CI=true a missing /usr/bin/chromium is a test failure, not a skip."""
    monkeypatch.setitem(globals(), "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _require_chromium()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        _require_chromium()
