"""An announcement with a thousand model links (issue 21, item 9): recorded, with every claim, on SQLite and
PostgreSQL. Looking the links up as one OR of a thousand conditions made SQLite answer "Expression tree is
too large (maximum depth 1000)", which the store reported as unreachable, so the announcement was dropped."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import Store
from storage.models import Claim, Release
from tests.core.harness import Chat, reply_text

LINKS = 1000


def _links(owner: str) -> str:
    return " ".join(f"https://huggingface.co/{owner}/model-{i:04d}" for i in range(LINKS))


async def test_an_announcement_with_a_thousand_links_is_recorded(chat: Chat, store: Store) -> None:
    """ada's thousand links are all claimed; bo reposting the same thousand is recognised as a re-upload."""
    text = f"Releasing Neon Dreams v1, a LoRA for SDXL 1.0. License: openrail++. Files: {_links('ada')}"
    first = await chat.say("ada", text)
    assert "Not recorded yet" not in reply_text(first)
    async with store.transaction() as tx:
        assert (await tx.s.execute(select(func.count()).select_from(Release))).scalar_one() == 1
        claims = (await tx.s.execute(select(func.count()).select_from(Claim).where(Claim.kind == "link"))).scalar_one()
    assert claims == LINKS
    later = await chat.say("bo", text.replace("Neon Dreams", "Midnight Glow"))
    assert "Not recorded yet" not in reply_text(later)
    assert chat.core.stats["internal_errors"] == 0
    assert chat.core.stats["store_errors"] == 0
    alerts = [a for a in later if "re-upload" in getattr(getattr(a, "card", None), "title", "")]
    assert alerts, "the same thousand links by someone else is evidence of a re-upload"
    assert "huggingface.co/ada/model-" in alerts[0].card.as_text()  # type: ignore[attr-defined]
