"""The registry in the community's language (issue 23, item 5): a zh community's pages are Chinese (the same
catalogs as the chats), what members wrote stays as written, the JSON API stays English, and the list of
communities follows the browser's Accept-Language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.web import create_app
from tests.web.conftest import Demo

SLUG = "pixel-forge"


@pytest.fixture
async def zh_client(demo: Demo) -> AsyncIterator[httpx.AsyncClient]:
    """The demo's registry with its community configured in Simplified Chinese."""
    app = create_app(demo.store, [replace(demo.community, language="zh")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry.test") as c:
        yield c


async def test_a_chinese_communitys_pages_are_chinese(zh_client: httpx.AsyncClient) -> None:
    """The community page, a release and the norms: headings, filters, table and badges in Chinese; the
    releases' names and creators as written; no English left of the static texts checked."""
    html = (await zh_client.get(f"/c/{SLUG}")).text
    assert '<html lang="zh">' in html
    assert "normbot 登记册" in html and "搜索" in html and "筛选" in html and "3 个发布" in html
    assert "<th>创作者</th>" in html and '<td data-label="创作者">kai</td>' in html  # kai wrote his own name
    assert '<span class="badge s-in_review t-info">审核中</span>' in html
    for english in ("Search", "Filter", "<th>Creator</th>", ">in review<", "Public registry"):
        assert english not in html, english
    release = (await zh_client.get("/r/1")).text
    assert "<h2>字段</h2>" in release and "<h2>谱系</h2>" in release and "<h2>公告</h2>" in release
    assert "Fields" not in release and "Lineage" not in release
    norms = (await zh_client.get(f"/c/{SLUG}/norms")).text
    assert "Pixel Forge 的规范" in norms and "Norms of" not in norms


async def test_the_json_api_stays_english(zh_client: httpx.AsyncClient) -> None:
    """Programs read the API: its labels do not change with the community's language."""
    data = (await zh_client.get(f"/api/v1/communities/{SLUG}/releases")).json()
    labels = {r["status_label"] for r in data["releases"]}
    assert labels and labels <= {"in review", "endorsed", "changes requested", "flagged", "resolved", "removed"}


async def test_the_list_of_communities_follows_the_browser(client: httpx.AsyncClient) -> None:
    """No community decides the front page's language: the browser's Accept-Language does (English
    otherwise)."""
    ja = (await client.get("/", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"})).text
    assert "<h1>コミュニティ</h1>" in ja and '<html lang="ja">' in ja
    assert "<h1>Communities</h1>" in (await client.get("/")).text
