"""The provenance commands and hooks through the real core: claim, link, profile, digest, other evidence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from moderation.kernel.actions import DirectMessage, Send
from moderation.kernel.events import Attachment, MessagePosted
from moderation.provenance import Provenance, verify_receipt
from moderation.provenance.receipts import canonical
from storage import Store
from tests.core.harness import Chat, reply_text

SHA = "9a" * 32
TEXT = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0 with glowing city lights. Trigger: neondrm. "
    "License: openrail++. NSFW: no. https://huggingface.co/ada/neon-dreams"
)


def _alerts(actions: Sequence[object]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send) and "re-upload" in a.card.title]


def _link_code(actions: Sequence[object]) -> str:
    """The code is sent privately, never into the chat."""
    assert "private messages" in reply_text(actions)  # type: ignore[arg-type]
    (dm,) = [a for a in actions if isinstance(a, DirectMessage)]
    code = dm.card.body.splitlines()[0]
    assert all(code not in a.card.as_text() for a in actions if not isinstance(a, DirectMessage))  # type: ignore[attr-defined]
    return code


def _receipt_of(text: str) -> bytes:
    line = next(li for li in text.splitlines() if li.startswith("{"))
    return line.encode()


async def test_claim_by_hand_gives_a_verifiable_receipt(chat: Chat, prov: Provenance) -> None:
    """/claim records, signs and replies with the receipt; the same claim twice is refused."""
    text = reply_text(await chat.cmd("ada", f"/claim {SHA}"))
    assert "Claim recorded" in text
    verdict = verify_receipt(_receipt_of(text), [prov.keys.public_key()])
    assert verdict.valid, verdict.reason
    assert verdict.receipt is not None and verdict.receipt["creator"]["account"] == "console:ada"
    assert "already claimed" in reply_text(await chat.cmd("ada", f"/claim {SHA.upper()}"))
    assert "is not a SHA-256" in reply_text(await chat.cmd("ada", "/claim https://example.com/mine"))


async def test_claim_of_someone_elses_hash_is_shown_to_moderators(chat: Chat) -> None:
    """A later /claim on ada's AutoV2 (via her full hash) by bo is recorded, and mods and ada see both."""
    await chat.cmd("ada", f"/claim {SHA}")
    actions = await chat.cmd("bo", f"/claim {SHA[:10]}")
    assert "claimed this earlier" in reply_text(actions)
    mods = [a for a in _alerts(actions) if a.chat.chat_id == "releases-mods"]
    assert len(mods) == 1 and "same sha256" in mods[0].card.body
    assert any(isinstance(a, DirectMessage) and a.user_id == "ada" for a in actions)


async def test_same_model_link_is_evidence(chat: Chat) -> None:
    """bo announcing ada's Hugging Face repo under another name raises the alert."""
    await chat.say("ada", TEXT)
    actions = await chat.say(
        "bo",
        "Releasing Glowtown v1, a LoRA for SDXL 1.0. License: openrail++. https://huggingface.co/Ada/Neon-Dreams/tree/main",
    )
    (alert,) = [a for a in _alerts(actions) if a.chat.chat_id == "releases-mods"]
    assert "same link huggingface.co/ada/neon-dreams" in alert.card.body


async def test_near_identical_text_is_evidence_without_a_model(chat: Chat) -> None:
    """A copied announcement with another link is caught by shingle similarity (no embedder in rules-only)."""
    await chat.say("ada", TEXT)
    copy = TEXT.replace("v2", "v1").replace("ada/neon-dreams", "bo/neon-dreams-reup")
    actions = await chat.say("bo", copy)
    (alert,) = [a for a in _alerts(actions) if a.chat.chat_id == "releases-mods"]
    assert "character-shingle Jaccard" in alert.card.body


async def test_different_announcement_is_not_evidence(chat: Chat) -> None:
    """An unrelated release by someone else raises nothing."""
    await chat.say("ada", TEXT)
    actions = await chat.say(
        "bo", "Ink Wash Mix 1.0: a merge for SD 1.5 with soft brush strokes. License: creativeml-openrail-m."
    )
    assert _alerts(actions) == []


async def test_linked_accounts_are_one_person(chat: Chat, tg: Chat, store: Store) -> None:
    """/link on the console, /link CODE on Telegram: ada's Telegram repost of her own link is no re-upload,
    she can't endorse her own release from Telegram, and her profile lists both accounts."""
    await chat.say("ada", TEXT)
    code = _link_code(await chat.cmd("ada", "/link"))
    assert len(code) == 8
    assert "Accounts linked" in reply_text(await tg.cmd("ada_tg", f"/link {code.lower()}"))
    assert "unknown, expired" in reply_text(await tg.cmd("bo", f"/link {code}"))  # one use only
    actions = await tg.say("ada_tg", TEXT.replace("v2", "v3"))
    assert _alerts(actions) == []
    assert "own release" in reply_text(await tg.cmd("ada_tg", "/endorse R1"))
    profile = reply_text(await tg.cmd("ada_tg", "/profile"))
    assert "console:ada" in profile and "telegram:ada_tg" in profile
    assert "Releases: 2" in profile


async def test_link_code_expires(chat: Chat, tg: Chat) -> None:
    """A code older than ten minutes does nothing."""
    code = _link_code(await chat.cmd("ada", "/link"))
    chat.clock.advance(timedelta(minutes=11))
    assert "expired" in reply_text(await tg.cmd("ada_tg", f"/link {code}"))


async def test_profile_counts_and_decay(chat: Chat) -> None:
    """Endorsements received decay with the half-life; reviews and endorsements given are counted."""
    await chat.say("ada", TEXT)
    await chat.cmd("bo", "/endorse R1")
    chat.clock.advance(timedelta(days=90))
    text = reply_text(await chat.cmd("bo", "/profile @ada"))
    assert "Releases: 1" in text
    assert "Endorsements received: 1 (0.5 with a 90-day half-life)" in text
    assert "Endorsements given: 1" in reply_text(await chat.cmd("ada", "/profile bo"))
    assert "don't know a member" in reply_text(await chat.cmd("ada", "/profile @nobody"))


async def test_digest_highlights_most_credited(chat: Chat, prov: Provenance, store: Store) -> None:
    """Two merges of Alpha this week make it the most-credited model."""
    await chat.say("ada", "Releasing Alpha Base v1, a checkpoint for SDXL 1.0. License: openrail++.")
    since = chat.clock()
    await chat.say("bo", "New merge: Beta Mix v1. Merge of Alpha Base. Base model: SDXL 1.0. License: openrail++.")
    await chat.say("cy", "New merge: Gamma Mix v1. Merge of Alpha Base. Base model: SDXL 1.0. License: openrail++.")
    async with store.transaction() as tx:
        lines = await prov.digest_lines(chat.core.services, tx, 1, since)
    assert lines == ["🔗 Most credited: R1 Alpha Base by ada (2 new derivative(s))"]


async def test_safetensors_header_and_tensor_hash(chat: Chat, store: Store, tmp_path: Path) -> None:
    """bo re-packs ada's weights with his name in the header: the tensor hash matches ada's file, and the header
    contradictions are listed as evidence."""
    weights = {"w": np.arange(12, dtype=np.float32)}
    save_file(weights, str(tmp_path / "a.safetensors"), metadata={"modelspec.author": "ada"})
    save_file(weights, str(tmp_path / "b.safetensors"), metadata={"modelspec.author": "someone", "ss_license": "mit"})

    async def post(name: str, mid: str, text: str, path: Path) -> list[object]:
        ev = MessagePosted(mid, chat.ref, mid, chat.actor(name), text, (Attachment(path.name, local_path=str(path)),))
        return list(await chat.core.handle(ev))

    assert _alerts(await post("ada", "s1", TEXT, tmp_path / "a.safetensors")) == []
    actions = await post(
        "bo", "s2", "My new LoRA Citylights v1 for SDXL 1.0, license openrail++", tmp_path / "b.safetensors"
    )
    (alert,) = [a for a in _alerts(actions) if a.chat.chat_id == "releases-mods"]
    assert "same tensor-sha256" in alert.card.body
    assert "header names author 'someone', but 'bo' announced it" in alert.card.body
    assert "header says license 'mit'" in alert.card.body
    async with store.transaction() as tx:
        r2 = await tx.releases.get(1, 2)
        assert r2 is not None and r2.fields_json["extra"]["header_author"] == "someone"


async def test_stored_receipts_round_trip_through_the_database(chat: Chat, store: Store, prov: Provenance) -> None:
    """Receipts stored as JSON come back byte-identical in canonical form and still verify."""
    await chat.say("ada", TEXT)
    async with store.transaction() as tx:
        claims = await tx.claims.of_release(1)
    assert [c.kind for c in claims] == ["link"]
    receipt = claims[0].receipt
    assert receipt is not None
    assert verify_receipt(canonical(receipt), [prov.keys.public_key()]).valid
    assert json.loads(canonical(receipt))["audit"]["seq"] == claims[0].audit_seq


async def test_header_only_contradiction_goes_to_moderators_only(chat: Chat, tmp_path: Path) -> None:
    """A file whose header names another author, with no earlier claim: moderators see it, nobody is DM'd."""
    path = tmp_path / "c.safetensors"
    save_file({"w": np.ones(3, np.float32)}, str(path), metadata={"modelspec.author": "zoe"})
    ev = MessagePosted("h1", chat.ref, "h1", chat.actor("bo"), TEXT, (Attachment(path.name, local_path=str(path)),))
    actions = list(await chat.core.handle(ev))
    cards = [a for a in actions if isinstance(a, Send) and "disagrees with the announcement" in a.card.title]
    assert [c.chat.chat_id for c in cards] == ["releases-mods"]
    assert "header names author 'zoe'" in cards[0].card.body
    assert not any(isinstance(a, DirectMessage) and "re-uploaded" in a.card.title for a in actions)


async def test_unreadable_attachment_does_not_stop_the_announcement(chat: Chat, tmp_path: Path) -> None:
    """A broken .safetensors file is skipped; the release is still registered and claimed."""
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"\xff" * 20)
    ev = MessagePosted("h2", chat.ref, "h2", chat.actor("ada"), TEXT, (Attachment(path.name, local_path=str(path)),))
    actions = list(await chat.core.handle(ev))
    assert any(isinstance(a, Send) and a.key == "prompt:1" for a in actions)
