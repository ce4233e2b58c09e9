"""What creators are told, and what statuses say (issue 20, items 2, 3, 8 and 9), through the real core.

Norm text in people's words (titles and fixes, no patterns or Python reprs, cuts on word boundaries); every
moderator decision reaching the creator with the reason and what to do next; statuses that do not mislead
(upheld flags by severity, endorsement counts); a moderator's `/normcheck` nudging the creator, not the
moderator.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from moderation.kernel.actions import Action, DirectMessage, Edit, Reply, Send
from moderation.releases.cards import clip, endorsement_text, human_evidence
from moderation.releases.lifecycle import UPHELD, standing
from storage import Store
from tests.core.harness import GOOD, Chat, reply_text

CKPT = (
    "New LoRA out: Rust Fox v1 for SDXL 1.0. License: openrail++. NSFW: no. Trigger: rstfx. "
    "https://huggingface.co/ada/rust-fox"
)


def dms(actions: Sequence[Action], to: str | None = None) -> list[DirectMessage]:
    """The direct messages among `actions` (to one user id, if given)."""
    return [a for a in actions if isinstance(a, DirectMessage) and (to is None or a.user_id == to)]


def replies(actions: Sequence[Action]) -> list[Reply]:
    """The replies to the actor among `actions`."""
    return [a for a in actions if isinstance(a, Reply)]


def prompt_fields(actions: Sequence[Action]) -> dict[str, str]:
    """The fields of the last review prompt edited or posted among `actions`."""
    cards = [a.card for a in actions if isinstance(a, Edit | Send) and a.card.title.startswith("Review R")]
    assert cards, "no review prompt among the actions"
    return dict(cards[-1].fields)


async def status_of(store: Store, release_id: int = 1) -> str:
    """The stored status of a release."""
    async with store.transaction() as tx:
        row = await tx.releases.get_any(release_id)
        assert row is not None
        return row.status


# -- item 2: norm text in people's words -----------------------------------------------------------------


async def test_nudge_dm_shows_norm_titles_and_fixes_never_patterns(chat: Chat) -> None:
    """A .ckpt upload's nudge names the norm by title with its fix and the file; the regex is not in it."""
    actions = await chat.say("ada", CKPT, attachments=["rust_fox_v1.ckpt"])
    [dm] = dms(actions, "ada")
    text = dm.card.as_text()
    assert "Ship weights as safetensors or GGUF" in text
    assert "How to fix: Convert the weights to .safetensors" in text
    assert "Found: files: rust_fox_v1.ckpt" in text
    assert "(?i)" not in text and "matches /" not in text and "ckpt|pt" not in text
    assert "/norms show harm-safe-format" in (dm.card.footer or "")


async def test_norms_show_puts_the_pattern_in_the_details_view(chat: Chat) -> None:
    """`/norms show <id>` is the details view: the check's pattern as written, in words, no Python repr."""
    text = reply_text(await chat.cmd("bo", "/norms show harm-safe-format"))
    assert r"forbid: files (?i)\.(ckpt|pt|pth|bin|pkl|pickle)$" in text
    assert "{'files'" not in text
    nsfw = reply_text(await chat.cmd("bo", "/norms show harm-nsfw-channel"))
    assert "nsfw_channel: yes" in nsfw and "True" not in nsfw


def test_clip_cuts_at_a_word_with_an_ellipsis() -> None:
    """A long reason is cut between words ("no license stated…"), never inside one ("no license state…")."""
    reason = "no license stated; openrail++ (from SDXL 1.0) has use restrictions that flow down"
    assert clip(reason, 16) == "no license…"
    assert clip(reason, 18) == "no license stated…"
    assert clip(reason, 30) == "no license stated; openrail++…"
    assert clip("a" * 50, 10) == "a" * 9 + "…"  # one long word: no boundary to cut at
    assert clip(reason, 200) == reason


def test_stored_evidence_loses_its_pattern_when_shown() -> None:
    """Results stored before evidence was made human still show without their regex."""
    old = "files: '.ckpt' matches /(?i)\\.(ckpt|pt|bin)$/; version: no value matches /^v[0-9]+$/"
    assert human_evidence(old) == "files: '.ckpt'; version: not in the expected form"


# -- item 3: every moderator decision reaches the creator -------------------------------------------------


async def test_status_change_tells_the_creator_why_and_what_next(chat: Chat) -> None:
    """`/status R1 removed spam` sends ada the reason and what she can do; mia hears ada was told."""
    await chat.say("ada", GOOD)
    actions = await chat.cmd("mia", "/status R1 removed duplicate of an earlier upload")
    [dm] = dms(actions, "ada")
    text = dm.card.as_text()
    assert "Your release R1 (Neon Dreams v2) is now removed" in text
    assert "Moderator's reason: duplicate of an earlier upload" in text
    assert "What you can do:" in text and "/release edit R1" in text and "ask a moderator" in text
    assert dm.fallback_chat is not None and dm.fallback_chat.chat_id == "releases"
    assert "The creator has been told." in reply_text(actions)


@pytest.mark.parametrize("outcome", ["upheld", "dismissed"])
async def test_every_flag_decision_tells_the_creator(chat: Chat, outcome: str) -> None:
    """Upheld or dismissed, the creator hears the norm's title, the moderator's reason and what to do next."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/flag R1 credit-base-model it is vague")
    actions = await chat.cmd("mia", f"/resolve F1 {outcome} the base is named in the card")
    [dm] = dms(actions, "ada")
    text = dm.card.as_text()
    assert f"A flag on your release R1 (Neon Dreams v2) was {outcome}" in text
    assert "Norm: Name the base model (credit-base-model, warn)" in text
    assert "Moderator's reason: the base is named in the card" in text
    assert ("What you can do:" in text) if outcome == "upheld" else ("Nothing to do about this flag." in text)
    assert "bo" not in text.split()  # never who filed it


async def test_a_moderator_deciding_on_their_own_release_gets_no_dm(chat: Chat) -> None:
    """Nobody is messaged about their own decision."""
    await chat.say("mia", GOOD)
    actions = await chat.cmd("mia", "/status R1 removed test post")
    assert dms(actions) == []


# -- item 9: a moderator's /normcheck -----------------------------------------------------------------


async def test_moderator_normcheck_nudges_the_creator_and_answers_the_moderator_privately(chat: Chat) -> None:
    """mia's `/normcheck R1` on ada's release: ada gets "Your release R1 …", mia a private summary."""
    await chat.say("ada", CKPT, attachments=["rust_fox_v1.ckpt"])
    actions = await chat.cmd("mia", "/normcheck R1")
    [answer] = replies(actions)
    assert answer.ephemeral
    assert "Your release" not in answer.card.as_text()
    assert answer.card.title == "Norm check of R1 (Rust Fox v1)"
    assert "harm-safe-format (nudge)" in answer.card.body
    assert "The creator has been sent what to fix." in answer.card.body
    [dm] = dms(actions, "ada")
    assert dm.card.title.startswith("Your release R1 (Rust Fox v1) misses some community norms")


async def test_the_creators_own_recheck_still_answers_them(chat: Chat) -> None:
    """The creator fixing their own release is answered in place, and not messaged besides."""
    await chat.say("ada", CKPT, attachments=["rust_fox_v1.ckpt"])
    actions = await chat.cmd("ada", "/release edit R1 base_model Pony")
    assert dms(actions) == []
    text = reply_text(actions)
    assert "R1 (Rust Fox v1) updated" in text and "base model: SDXL 1.0 → Pony" in text


# -- item 8: statuses that do not mislead ---------------------------------------------------------------


def test_endorsement_text_never_shows_a_fraction_over_one() -> None:
    """Counts read as sentences; a met quorum on a held release says it does not endorse."""
    assert endorsement_text(1, 2, "in_review") == "1 of 2 needed"
    assert endorsement_text(3, 2, "endorsed") == "3 (quorum 2 reached)"
    assert endorsement_text(3, 2, "changes_requested") == "3 (quorum 2 met; not endorsed while changes requested)"


async def test_prompt_after_quorum_says_reached_not_three_of_two(chat: Chat) -> None:
    """Three endorsements with a quorum of two: the prompt says "3 (quorum 2 reached)"."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/endorse R1")
    await chat.cmd("cy", "/endorse R1")
    actions = await chat.cmd("dee", "/endorse R1")
    assert prompt_fields(actions)["Endorsements"] == "3 (quorum 2 reached)"
    assert "3/2" not in reply_text(actions)


NORM_OF = {
    "block": "own-no-reupload",
    "warn": "credit-base-model",
    "nudge": "own-hash-published",
    "info": "harm-intended-use",
    "other": "other",
}
PEOPLE = ("bo", "cy", "dee")


async def _bring_to(chat: Chat, prior: str, norm: str) -> None:
    """Announce R1 and take it to `prior` with real commands; flags under `norm` by bo (and cy, dee)."""
    await chat.say("ada", GOOD)
    if prior == "endorsed":
        await chat.cmd("eve", "/endorse R1")
        await chat.cmd("fay", "/endorse R1")
    flaggers = PEOPLE if prior == "flagged" else PEOPLE[:1]
    for person in flaggers:
        await chat.cmd(person, f"/flag R1 {norm} I think it breaks this")


@pytest.mark.parametrize("severity", list(NORM_OF))
@pytest.mark.parametrize("prior", ["in_review", "endorsed", "flagged"])
async def test_what_an_upheld_flag_does(chat: Chat, store: Store, severity: str, prior: str) -> None:
    """The lifecycle's UPHELD table, severity × prior status -> status after every flag is decided, the
    prompt's status line and the badge tone: a block norm requests changes, milder ones keep the release
    where review left it but marked; never green, never "resolved"."""
    await _bring_to(chat, prior, NORM_OF[severity])
    assert await status_of(store) == prior
    actions = await chat.cmd("mia", "/resolve F1 upheld checked it")
    for extra in range(2, 4 if prior == "flagged" else 2):
        actions = await chat.cmd("mia", f"/resolve F{extra} dismissed not convinced")
    expected = {
        "block": "changes_requested",
        "warn": prior if prior != "flagged" else "in_review",
    }.get(severity, prior if prior != "flagged" else "in_review")
    assert UPHELD.get(severity) == ("changes_requested" if severity == "block" else None)
    assert await status_of(store) == expected
    fields = prompt_fields(actions)
    assert fields["Status"] == f"{expected.replace('_', ' ')} · 1 upheld flag"
    shown_severity = "warn" if severity == "other" else severity
    assert fields["Upheld flags"] == f"F1 {NORM_OF[severity]} ({shown_severity})"
    assert standing(expected, [shown_severity]).tone == "warn"
    prompt = [a.card for a in actions if isinstance(a, Edit) and a.card.title.startswith("Review R")][-1]
    assert prompt.status == ("upheld" if expected in ("in_review", "endorsed") else expected)  # the colour key


async def test_an_upheld_block_flag_holds_until_a_moderator_reopens(chat: Chat, store: Store) -> None:
    """A re-check or new flags do not lift the hold of an upheld block flag; `/status R1 in_review` does."""
    await _bring_to(chat, "endorsed", NORM_OF["block"])
    await chat.cmd("mia", "/resolve F1 upheld the images are someone else's")
    assert await status_of(store) == "changes_requested"
    await chat.cmd("ada", "/release edit R1 license openrail++")
    assert await status_of(store) == "changes_requested"
    for person in ("cy", "dee", "eve"):
        await chat.cmd(person, "/flag R1 credit-base-model vague")
    for flag_id in (2, 3, 4):
        await chat.cmd("mia", f"/resolve F{flag_id} dismissed fine")
    assert await status_of(store) == "changes_requested"
    await chat.cmd("mia", "/status R1 in_review replaced the images")
    assert await status_of(store) == "in_review"


async def test_weekly_digest_shows_upheld_outcomes(chat: Chat) -> None:
    """The digest lists the week's upheld flags, and an endorsed release with one is not shown plain."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/endorse R1")
    await chat.cmd("cy", "/endorse R1")
    await chat.cmd("dee", "/flag R1 credit-base-model the base is vague")
    await chat.cmd("mia", "/resolve F1 upheld it should say SDXL 1.0 base")
    chat.clock.advance(timedelta(days=7, minutes=1))
    [digest] = [a for a in await chat.core.run_due_jobs() if isinstance(a, Send) and "This week" in a.card.title]
    assert "1 flag upheld" in digest.card.title
    assert "R1 Neon Dreams v2 by ada (endorsed · 1 upheld flag)" in digest.card.body
    assert "Flags upheld:\n• R1 Neon Dreams v2: Name the base model (warn) — now endorsed" in digest.card.body
