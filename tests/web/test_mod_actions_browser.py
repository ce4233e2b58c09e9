"""A moderator acts from the registry in headless Chromium with JavaScript off: logs in with the token, upholds a
flag and grants an appeal with the queue's forms. The queue with its forms is screenshotted for
docs/moderating.md."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from bot.web.server import make_server
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from storage import Store
from tests.core.harness import GOOD, Chat
from tests.web.test_e2e import ARTIFACTS, REPO_ROOT, Session, _free_port, _require_chromium, browser
from tests.web.test_mod_actions import TOKEN, config

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the fixture, used by name

DOCS_SHOT = REPO_ROOT / "docs" / "img" / "registry-mod-forms.png"


@pytest.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    """A store with an open flag (F1 on R1) and an appeal of a removal (A1 on R2), served by uvicorn."""
    _require_chromium()
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    await store.upgrade()
    clock = ManualClock()
    chat = Chat(await build_core(store, [config()], clock=clock, rules_only=True, migrate=False), clock)
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 own-no-reupload copied from civitai")
    await chat.say("cy", GOOD.replace("Neon Dreams", "Calm Lake").replace("ada/neon", "cy/calm"), message_id="ann2")
    await chat.cmd("mia", "/status R2 removed spam")
    await chat.cmd("cy", "/appeal R2 it is not spam, it is my own model")
    server = make_server(store, [config()], host="127.0.0.1", port=_free_port(), log_level="warning")
    task = asyncio.create_task(server.serve())
    for _ in range(300):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        await store.close()


async def test_a_moderator_upholds_and_grants_without_javascript(browser: Browser, base_url: str) -> None:
    session = await Session(base_url).open(browser, java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = session.page
    try:
        response = await session.goto(f"/c/forge/mod/queue?token={TOKEN}")
        assert response is not None and response.status == 200
        assert "token=" not in page.url  # swapped for the session cookie
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "registry-mod-forms.png"), full_page=True)
        await page.screenshot(path=str(DOCS_SHOT), full_page=True)

        flag = page.locator("#flag-1")
        await flag.get_by_label("Note for the creator").fill("the same file as on civitai")
        await flag.get_by_role("button", name="Uphold F1").click()
        assert "F1 upheld" in await page.locator("#outcome h1").inner_text()
        assert "the release needs changes" in await page.locator("#outcome").inner_text()
        await page.get_by_role("link", name="Back to the moderation queue").click()
        assert "No open flags." in await page.locator("#open-flags").inner_text()

        appeal = page.locator("#appeal-1")
        assert "it is not spam" in await appeal.inner_text()
        await appeal.get_by_role("button", name="Grant A1").click()
        assert "A1 granted" in await page.locator("#outcome h1").inner_text()
        await page.get_by_role("link", name="Back to the moderation queue").click()
        assert "No open appeals." in await page.locator("#open-appeals").inner_text()
    finally:
        await session.close()
