"""Registry hardening (issue 21, item 9): HEAD answers like GET on every route, and invisible control
characters in member text (bidi overrides, NUL, ESC) are shown as `[U+XXXX]` on every page."""

from __future__ import annotations

import asyncio
import re
import socket

import httpx
from fastapi.routing import APIRoute

from bot.web import api, create_app, mod, pages
from bot.web.server import make_server
from moderation.kernel.visible import UNSAFE
from storage import Store
from tests.web.conftest import EXTRA_LINES, TOKEN, Demo, demo_community, replay_demo

SLUG = "pixel-forge"
PARAMS = {"slug": SLUG, "release_id": "1"}


def _get_paths() -> list[str]:
    """Every GET route of the registry's routers with its parameters filled in, plus a static file and the
    schema."""
    paths = ["/static/registry.css", "/openapi.json"]
    for router in (pages.router, mod.router, api.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                paths.append(re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], route.path))
    return paths


async def test_head_answers_like_get_without_a_body_on_every_route(client: httpx.AsyncClient) -> None:
    """Same status and headers as GET (Content-Length included), no body; a 404 stays a 404. Was 405."""
    paths = _get_paths()
    assert {"/", f"/c/{SLUG}", "/r/1", f"/c/{SLUG}/norms", f"/c/{SLUG}/mod/queue", "/api/v1/communities"} <= set(paths)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path in [*paths, "/no/such/page", "/r/999999"]:
        get = await client.get(path, headers=auth)
        head = await client.head(path, headers=auth)
        assert head.status_code == get.status_code != 405, path
        assert head.content == b"", path
        for name in ("content-type", "content-length", "content-security-policy", "cache-control"):
            assert head.headers.get(name) == get.headers.get(name), (path, name)
    assert (await client.post("/")).status_code == 405  # other methods are still refused


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_head_through_uvicorn_on_a_socket(demo: Demo) -> None:
    """Through a real uvicorn on loopback: HEAD gets 200 with GET's Content-Length and no body bytes, and the
    connection stays usable for the next request."""
    server = make_server(demo.store, [demo.community], port=_free_port(), log_level="warning")
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started or task.done():
                break
            await asyncio.sleep(0.02)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            for path in ("/", "/r/1", "/api/v1/communities"):
                head = await c.head(path)
                get = await c.get(path)
                assert head.status_code == 200 and head.content == b""
                assert int(head.headers["content-length"]) == len(get.content) > 0
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
HOSTILE = (
    f"@ada: /release edit R1 model_name Neon{RLO}gpj.exe Dreams {LRI}x{PDI}",
    f"@bo: /review R1 own-no-reupload=yes looks {RLO}ko\x00 to me",
    f"@cy: /flag R1 credit-base-model base model {RLO}hidden\x1b[2J here",
)


async def test_control_characters_show_as_codes_on_every_page(store: Store) -> None:
    """A bidi override in a model name, NUL in a review note and ESC in a flag reason are stored as typed
    and shown as `[U+202E]`, `[U+0000]`, `[U+001B]` on the listing, the release page and the moderators'
    queue; the JSON API returns the data as stored."""
    community = demo_community()
    await replay_demo(store, community, extra=(*EXTRA_LINES, *HOSTILE))
    app = create_app(store, [community])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        pages = {
            "listing": (await c.get(f"/c/{SLUG}")).text,
            "release": (await c.get("/r/1")).text,
            "queue": (await c.get(f"/c/{SLUG}/mod/queue", headers={"Authorization": f"Bearer {TOKEN}"})).text,
        }
        api = (await c.get("/api/v1/releases/1")).json()
    for name, html in pages.items():
        assert not UNSAFE.search(html), (name, UNSAFE.findall(html))
    assert "Neon[U+202E]gpj.exe Dreams [U+2066]x[U+2069]" in pages["listing"]
    assert "Neon[U+202E]gpj.exe Dreams [U+2066]x[U+2069]" in pages["release"]
    # PostgreSQL cannot store NUL: the store keeps U+FFFD there, SQLite keeps the NUL and the page shows its code.
    assert "looks [U+202E]ko[U+0000] to me" in pages["release"] or "looks [U+202E]ko\ufffd to me" in pages["release"]
    assert "base model [U+202E]hidden[U+001B][2J here" in pages["queue"]
    assert api["fields"]["model_name"] == f"Neon{RLO}gpj.exe Dreams {LRI}x{PDI}"
