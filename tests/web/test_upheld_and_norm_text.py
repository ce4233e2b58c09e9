"""The registry over HTTP shows upheld outcomes and norms in words (issue 20, items 2 and 8).

R3 of the demo has two flags upheld under `own-no-reupload` (a `block` norm) and one dismissed: it must not end
"resolved" with a green badge. The norms page shows each norm's title and fix; the patterns and check settings
sit in a <details> view, written as people read them, never as Python reprs.
"""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import Demo

SLUG = "pixel-forge"
UPHELD_BADGE = '<span class="badge s-changes_requested t-warn">changes requested · 2 upheld flags</span>'


async def test_two_upheld_block_flags_are_not_a_green_resolved(client: httpx.AsyncClient, demo: Demo) -> None:
    """R3 is "changes requested · 2 upheld flags" in amber on its page and in the listing; not resolved."""
    async with demo.store.transaction() as tx:
        r3 = await tx.releases.get_any(3)
        assert r3 is not None and r3.status == "changes_requested"
    page = (await client.get("/r/3")).text
    assert f'<p class="lead">{UPHELD_BADGE} by' in page
    assert "s-resolved" not in page and "t-ok" not in page
    assert 'Resolved flags <span class="count">2 upheld</span>' in page
    listing = (await client.get(f"/c/{SLUG}")).text
    assert UPHELD_BADGE in listing
    body = (await client.get("/api/v1/releases/3")).json()
    assert body["standing"] == {"label": "changes requested · 2 upheld flags", "tone": "warn"}
    assert body["upheld_flags"] == 2


async def test_endorsed_release_without_upheld_flags_stays_green(client: httpx.AsyncClient) -> None:
    """R1 (endorsed, no upheld flag) keeps its plain green badge."""
    page = (await client.get("/r/1")).text
    assert '<span class="badge s-endorsed t-ok">endorsed</span>' in page


async def test_norms_page_shows_words_and_keeps_patterns_in_details(client: httpx.AsyncClient) -> None:
    """Title and fix in the open; `forbid` and `nsfw_channel` inside <details>, without Python syntax."""
    html = (await client.get(f"/c/{SLUG}/norms")).text
    assert "{&#39;" not in html and "True" not in html  # no dict or bool reprs anywhere
    article = re.search(r'<article class="card norm" id="norm-harm-safe-format">(.*?)</article>', html, re.S)
    assert article is not None
    norm = article.group(1)
    assert "<h3>Ship weights as safetensors or GGUF</h3>" in norm
    assert "How to fix: Convert the weights to .safetensors" in norm
    details = re.search(r"<details class=\"checks\"><summary>What it checks</summary>(.*?)</details>", norm, re.S)
    assert details is not None
    assert r"<code>forbid: files (?i)\.(ckpt|pt|pth|bin|pkl|pickle)$</code>" in details.group(1)
    assert norm.index("How to fix") < norm.index("<details")
    channel = re.search(r'id="norm-harm-nsfw-channel">(.*?)</article>', html, re.S)
    assert channel is not None and "<code>nsfw_channel: yes</code>" in channel.group(1)
