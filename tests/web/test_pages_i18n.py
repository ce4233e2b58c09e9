"""The registry in the community's language (issue 23, item 5): a zh community's pages are Chinese (the same
catalogs as the chats), what members wrote stays as written, the JSON API stays English, and the list of
communities follows the browser's Accept-Language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from bot.web import create_app
from tests.web.conftest import SECRET_REASON, SECRET_REPORTER, TOKEN, Demo

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


async def test_a_chinese_communitys_moderator_pages_are_chinese(zh_client: httpx.AsyncClient) -> None:
    """The moderators' queue, audit log, login page and error pages of a zh community are Chinese like its
    public pages; the reporter and reason stay as written, ids (F4, norm ids) as they are."""
    queue = f"/c/{SLUG}/mod/queue"
    html = (await zh_client.get(queue, headers={"Authorization": f"Bearer {TOKEN}"})).text
    assert '<html lang="zh">' in html and "<h1>审核队列</h1>" in html and "待处理举报" in html
    assert "给创作者的备注" in html and "等待人工处理" in html and ">支持 F" in html and ">驳回 F" in html
    assert SECRET_REASON in html and f"<strong>{SECRET_REPORTER}</strong>" in html
    assert "由 <strong>" in html and '针对 <a href="/r/' in html  # the link is a link, not escaped text
    for english in ("Moderation queue", "Open flags", "Note for the creator", "Uphold F", "Waiting for people"):
        assert english not in html, english
    audit = (await zh_client.get(f"/c/{SLUG}/mod/audit", headers={"Authorization": f"Bearer {TOKEN}"})).text
    assert "<h1>审计日志</h1>" in audit and "链完整" in audit and "<th>操作</th>" in audit
    login = await zh_client.get(queue)
    assert login.status_code == 401 and "仅限版主" in login.text and "版主：请输入此社区的令牌。" in login.text
    wrong = await zh_client.get(queue, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "该令牌无效。" in wrong.text
    missing = await zh_client.get(f"/c/{SLUG}/no-such-page")
    assert missing.status_code == 404 and "<h1>未找到</h1>" in missing.text and "此地址没有页面。" in missing.text
