"""Markdown and mention injection: user text travels through the core as plain text and both adapters'
renderers neutralise it.

The hostile text enters where users control it verbatim: a model name set with `/release edit`, a flag
reason, an endorsement note, a display name. The core's cards must carry it unchanged (plain text, so nothing
is lost or double-escaped), and every card the core returned is then rendered with the Telegram and the
Discord renderers, which must show it without a live mention or markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord
import pytest

from bot.discord import render as discord_render
from bot.telegram import render as telegram_render
from moderation.kernel.actions import Action, Card, DirectMessage, Edit, Reply, Send
from tests.core.harness import GOOD, Chat

INJECTION = "@everyone **bold** <@&123456789012345678> <@123456789012345678> @here [x](https://evil.example)"
HTML_INJECTION = '<b>x</b><a href="tg://user?id=1">y</a> &amp;'


def _cards(actions: Sequence[Action]) -> list[Card]:
    return [a.card for a in actions if isinstance(a, Send | Edit | Reply | DirectMessage)]


async def _hostile_cards(chat: Chat) -> list[Card]:
    """Every card the core returns while hostile text is put everywhere a member can put it."""
    cards: list[Card] = []
    cards += _cards(await chat.say("ada", GOOD, message_id="ann1"))
    cards += _cards(await chat.cmd("ada", f"/release edit R1 model_name {INJECTION}"))
    cards += _cards(await chat.cmd("ada", f"/release edit R1 license {HTML_INJECTION}"))
    cards += _cards(await chat.cmd("bo", f"/endorse R1 {INJECTION}"))
    for who in ("cy", "dee", "eve"):
        cards += _cards(await chat.cmd(who, f"/flag R1 credit-base-model {INJECTION} {HTML_INJECTION}"))
    cards += _cards(await chat.cmd("ada", "/whyflagged R1"))
    cards += _cards(await chat.cmd("mia", "/release show R1"))
    cards += _cards(await chat.cmd("mia", f"/resolve F1 upheld {INJECTION}"))
    return cards


def _text(card: Card) -> str:
    return card.as_text()


async def test_core_cards_carry_user_text_verbatim(chat: Chat) -> None:
    cards = await _hostile_cards(chat)
    texts = "\n".join(_text(c) for c in cards)
    assert INJECTION in texts  # the model name as typed: plain text, not escaped by the core
    assert "@everyone **bold**" in texts
    assert "<@&123456789012345678>" in texts
    assert HTML_INJECTION in texts


async def test_telegram_renderer_neutralises_mentions_and_markup(chat: Chat) -> None:
    cards = await _hostile_cards(chat)
    hostile = [c for c in cards if "@everyone" in _text(c) or "<b>x</b>" in _text(c)]
    assert hostile
    for card in hostile:
        html = telegram_render.card_html(card)
        assert len(html) <= 2 * telegram_render.MAX_TEXT
        assert not re.search(r"@(everyone|here)\b", html), html[:300]
        assert "<@&" not in html and '<a href="tg://' not in html
        # Our own tags are the only tags: b and i, nothing from users.
        assert set(re.findall(r"</?([a-z]+)", html)) <= {"b", "i"}
        assert "&lt;b&gt;x&lt;/b&gt;" in html or "&lt;" in html


async def test_discord_renderer_neutralises_mentions_and_markdown(chat: Chat) -> None:
    cards = await _hostile_cards(chat)
    hostile = [c for c in cards if "@everyone" in _text(c)]
    assert hostile
    for card in hostile:
        embed = discord_render.card_embed(card)
        parts = [embed.title or "", embed.description or ""]
        parts += [f.name or "" for f in embed.fields] + [f.value or "" for f in embed.fields]
        plain = discord_render.card_text(card, limit=10_000)
        for text in [*parts, plain]:
            assert not re.search(r"@(everyone|here)\b", text), text[:300]
            assert "<@&1" not in text and "<@1" not in text
            assert "**bold**" not in text
        assert embed.title is not None and len(embed.title) <= 256
        assert embed.description is None or len(embed.description) <= 4096


def test_discord_messages_are_sent_with_no_mentions_allowed() -> None:
    """Belt and braces: even unescaped text could not ping anyone."""
    none = discord_render.NO_MENTIONS
    assert isinstance(none, discord.AllowedMentions)
    assert (none.everyone, none.users, none.roles, none.replied_user) == (False, False, False, False)


@pytest.mark.parametrize("name", ["@everyone", "<@&123456789012345678>", "**ada**", "<b>ada</b>"])
async def test_hostile_display_names_are_escaped(chat: Chat, name: str) -> None:
    """A display name is user text too (it appears in prompts and profiles)."""
    cards = _cards(await chat.say(name, GOOD, message_id="ann1"))
    cards += _cards(await chat.cmd(name, "/profile"))
    for card in cards:
        html = telegram_render.card_html(card)
        embed = discord_render.card_embed(card)
        assert not re.search(r"@everyone\b", html)
        assert set(re.findall(r"</?([a-z]+)", html)) <= {"b", "i"}
        for text in (embed.title or "", embed.description or "", *(f.value or "" for f in embed.fields)):
            assert not re.search(r"@everyone\b", text) and "<@&1" not in text and "**ada**" not in text
