"""The server-rendered pages: what a person sees, filters as a plain GET form, friendly errors."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.web import create_app
from moderation.kernel.community import CommunityConfig
from norms import load_builtin
from storage import Announcement, Store
from tests.web.conftest import Demo, utc

SLUG = "pixel-forge"


def _rows(html: str) -> list[str]:
    """The release refs listed in a community page's table, in order."""
    return re.findall(r'<span class="ref">(R\d+)</span>', html)


async def test_index_lists_communities_with_counts(client: httpx.AsyncClient) -> None:
    """The front page links each community and shows its release count and status badges."""
    html = (await client.get("/")).text
    assert f'href="/c/{SLUG}"' in html and "Pixel Forge" in html
    assert "<strong>3</strong> releases" in html
    assert '<span class="badge s-endorsed">endorsed</span> 1' in html


async def test_community_page_lists_releases_with_badges(client: httpx.AsyncClient) -> None:
    """Every release is a row with its creator and a status badge, newest first."""
    html = (await client.get(f"/c/{SLUG}")).text
    assert _rows(html) == ["R3", "R2", "R1"]
    assert '<span class="badge s-in_review t-info">in review</span>' in html
    assert '<td data-label="Creator">kai</td>' in html
    assert "3 releases" in html


async def test_filter_form_round_trips(client: httpx.AsyncClient) -> None:
    """Submitting the form's fields (empty ones included) filters, and the form keeps the chosen values."""
    params = {"q": "", "status": "", "model_type": "lora", "base_model": "", "need": "ownership"}
    expected = [
        r["ref"] for r in (await client.get(f"/api/v1/communities/{SLUG}/releases", params=params)).json()["releases"]
    ]
    assert expected and set(expected) <= {"R1", "R3"}  # the LoRAs with an ownership failure
    html = (await client.get(f"/c/{SLUG}", params=params)).text
    assert _rows(html) == expected
    assert '<option value="lora" selected>' in html
    assert '<option value="ownership" selected>' in html
    html = (await client.get(f"/c/{SLUG}", params={"q": "neon"})).text
    assert _rows(html) == ["R1"] and 'value="neon"' in html
    html = (await client.get(f"/c/{SLUG}", params={"status": "removed"})).text
    assert _rows(html) == [] and "No releases match these filters." in html


async def test_release_page_shows_everything_public(client: httpx.AsyncClient, demo: Demo) -> None:
    """R2's page: "R2", fields, per-norm results with evidence, the pack digest, endorser, review, lineage."""
    async with demo.store.transaction() as tx:
        latest = await tx.norm_checks.latest(2)
        r2 = await tx.releases.get_any(2)
        assert latest is not None and r2 is not None
    html = (await client.get("/r/2")).text
    assert f'<span class="ref">R2</span> {r2.model_name} <span class="version">v1</span>' in html
    assert "creativeml-openrail-m" in html
    assert latest[0].pack_digest[:16] in html
    for result in latest[1]:
        assert f"<strong>{result.norm_id}</strong>" in html
    assert "files: velvet_mix_v1.ckpt" in html  # evidence of the failing safe-format norm, without its pattern
    assert "matches /" not in html
    assert re.search(r"Endorsements <span class=\"count\">1</span></h2>\s*<p>dee</p>", html)
    assert "harm-real-person-consent: <strong>no</strong>" in html
    assert '<a href="/r/1">R1 Neon Dreams v2</a>' in html  # parent
    assert 'Pastel Haze <span class="muted">(not in this registry)</span>' in html


async def test_announcement_links_to_the_original_message(client: httpx.AsyncClient, demo: Demo) -> None:
    """An announcement with a URL links to it; one without (the console) has no link."""
    assert "original message" not in (await client.get("/r/1")).text
    async with demo.store.transaction() as tx:
        ann = (await tx.s.execute(select(Announcement).where(Announcement.release_id == 1))).scalar_one()
        ann.url = "https://discord.com/channels/1/2/3"
    html = (await client.get("/r/1")).text
    assert '<a href="https://discord.com/channels/1/2/3" rel="nofollow noopener ugc">original message</a>' in html


async def test_norms_page_groups_by_need(client: httpx.AsyncClient) -> None:
    """The norms page shows the pack in force, each need as a section and every norm's title."""
    pack = load_builtin("baseline")
    html = (await client.get(f"/c/{SLUG}/norms")).text
    assert pack.digest in html and "configured: baseline" in html
    for need in ("harms", "credit", "ownership"):
        assert f'id="need-{need}"' in html
    for norm in pack.norms:
        assert f'id="norm-{norm.id}"' in html
    assert html.index('id="need-harms"') < html.index('id="need-credit"') < html.index('id="need-ownership"')


async def test_friendly_404_and_422_pages(client: httpx.AsyncClient) -> None:
    """Unknown community, release or address: a 404 page; a bad filter value: a 422 page; never a traceback."""
    for url, status, text in (
        ("/c/nope", 404, "There is no community called “nope”."),
        ("/r/999", 404, "There is no release R999."),
        ("/r/banana", 404, "There is no release “banana”."),
        ("/nowhere", 404, "There is no page at this address."),
        ("/c/nope/norms", 404, "There is no community"),
        (f"/c/{SLUG}?status=bogus", 422, "unknown status “bogus”"),
        (f"/c/{SLUG}?page=-1", 422, "page"),
        (f"/c/{SLUG}?page=abc", 422, "page"),
    ):
        response = await client.get(url)
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert text in response.text, url
        assert "Traceback" not in response.text
        assert 'href="/"' in response.text  # a way back


async def test_pagination_links_keep_filters(client: httpx.AsyncClient, demo: Demo) -> None:
    """With more than 25 matches the page links to the next one, keeping the filters."""
    async with demo.store.transaction() as tx:
        for i in range(30):
            await tx.releases.add(
                community_id=1,
                creator_id=1,
                release_key=f"p{i}@v1",
                model_name=f"Paged {i}",
                model_type="lora",
                fields_json={},
                text="x",
                created_at=utc(2026, 1, 2),
                updated_at=utc(2026, 1, 2),
            )
    html = (await client.get(f"/c/{SLUG}", params={"model_type": "lora"})).text
    assert len(_rows(html)) == 25 and "page 1 of 2" in html
    assert 'href="/c/pixel-forge?model_type=lora&amp;page=2"' in html
    html = (await client.get(f"/c/{SLUG}", params={"model_type": "lora", "page": 2})).text
    assert len(_rows(html)) == 7 and 'rel="prev"' in html and 'rel="next"' not in html


async def test_store_down_is_a_503_page() -> None:
    """When the database is unreachable the page says so with a 503, for pages and the API alike."""
    store = Store.from_url("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(store, [])
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            page = await c.get("/")
            api = await c.get("/api/v1/communities")
    finally:
        await store.close()
    assert page.status_code == 503 and "cannot reach its database" in page.text
    assert api.status_code == 503 and api.json()["error"] == "Temporarily unavailable"


async def test_broken_configured_pack_is_a_503_not_a_traceback(demo: Demo, tmp_path: Path) -> None:
    """A configured norm file that does not parse gives a clear 503 on the norms page; other pages still work."""
    broken = tmp_path / "norms.yaml"
    broken.write_text("schema_version: 1\nid: [oops\n", encoding="utf-8")
    community = CommunityConfig(slug=SLUG, name="Pixel Forge", norms=str(broken))
    app = create_app(demo.store, [community])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        norms = await c.get(f"/c/{SLUG}/norms")
        listing = await c.get(f"/c/{SLUG}")
    assert norms.status_code == 503 and "cannot be loaded right now" in norms.text
    assert str(broken) not in norms.text
    assert listing.status_code == 200
