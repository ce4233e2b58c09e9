"""Bidi overrides, NUL and other invisible controls typed by members never reach a chat raw (issue 21, item 9).

They are shown as their code (`[U+202E]`) in every card the core builds, so the console, Telegram and Discord
all get the neutralised text; the Telegram side is checked end to end in `tests/e2e/test_telegram_safety.py`.
"""

from __future__ import annotations

from pathlib import Path

from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.actions import Button, Card, Form, FormField
from moderation.kernel.clock import ManualClock
from moderation.kernel.visible import UNSAFE, visible
from storage import Store

RLO, LRI, PDI, ESC = "\u202e", "\u2066", "\u2069", "\x1b"
SCRIPT = (
    "@ada: Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: neondrm. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams",
    f"@ada: /release edit R1 model_name Neon{RLO}gpj.exe {LRI}Dreams{PDI} \x00{ESC}[2J",
    f"@bo: /flag R1 credit-base-model hidden {RLO}nosaer\x07",
    f"@bo: /endorse R1 lovely {RLO}krow",
    "@mia: /release show R1",
    "@ada: /whyflagged R1",
)


async def test_console_transcript_shows_codes_not_controls(store: Store, tmp_path: Path) -> None:
    """Every line of the transcript (echoes, prompts, DMs, replies) is free of invisible controls, and the
    model name shows its codes where people read it."""
    clock = ManualClock()
    core = await build_core(
        store, [console_community("baseline", ["mia"], [])], clock=clock, rules_only=True, migrate=False
    )
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append, base_dir=tmp_path)
    for line in SCRIPT:
        await session.feed(line)
    transcript = "\n".join(out)
    assert not UNSAFE.search(transcript), UNSAFE.findall(transcript)
    shown = "Neon[U+202E]gpj.exe [U+2066]Dreams[U+2069]"
    # NUL reaches the core as typed; PostgreSQL keeps U+FFFD instead (it cannot store NUL), SQLite keeps NUL.
    assert f"R1: {shown} [U+0000][U+001B][2J" in transcript or f"R1: {shown} \ufffd[U+001B][2J" in transcript
    assert "hidden [U+202E]nosaer[U+0007]" in transcript  # the flag reason, shown to its creator by /whyflagged
    assert f"ada (m3): /release edit R1 model_name {shown}" in transcript  # the echo of what was typed


def test_every_text_the_core_shows_is_neutralised() -> None:
    """Cards (title, fields, body, footer), forms and button labels: the one place every shown text passes."""
    hostile = f"a{RLO}b\x00c{ESC}d\x85e"
    card = Card(hostile, hostile, ((hostile, hostile),), footer=hostile)
    form = Form("flag", hostile, "R1", (FormField("reason", hostile),))
    button = Button(hostile, "nb1:endorse:1")
    texts = [card.as_text(), form.title, form.fields[0].label, button.label]
    assert all(not UNSAFE.search(t) for t in texts)
    assert visible(hostile) == "a[U+202E]b[U+0000]c[U+001B]d[U+0085]e"
    assert button.payload == "nb1:endorse:1"
    # What is not a control is left exactly alone: tabs, newlines, RTL marks, emoji joiners, other scripts.
    benign = "line\tone\nline two \u200f\u200e \U0001f469\u200d\U0001f4bb שלום"
    assert visible(benign) == benign and Card("t", benign).body == benign
