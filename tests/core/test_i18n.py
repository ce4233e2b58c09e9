"""The community's language (issue 23, item 5): catalogs complete and well-formed, text in the reader's language
(the community's for chats, the member's own for what only they see), norm files in several languages, and
user text never translated. Through the console here; Discord and Telegram in tests/e2e/test_i18n_e2e.py."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.cli.console import console_community
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.i18n import KEYWORDS, LANGUAGES, LOCALE_DIR, _, language_of, ngettext, using
from norms import Text, load_pack_text
from storage import Store

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _source_messages() -> set[str]:
    """Every message the code marks, extracted as `make i18n` does (singular ids; plurals by their singular)."""
    found: set[str] = set()
    sources = [
        (ROOT / "moderation", [("**.py", "python")]),
        (ROOT / "bot" / "web", [("**.py", "python"), ("templates/**.html", "jinja2")]),  # the registry's pages
        (ROOT / "bot" / "discord", [("**.py", "python")]),  # the adapters' own words (the /setup dialogues)
        (ROOT / "bot" / "telegram", [("**.py", "python")]),
    ]
    for directory, method_map in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(directory), method_map=method_map, keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / "normbot.po").open("rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_of_the_code_is_in_every_catalog_and_translated(language: str) -> None:
    """Extract from the source and compare: a message added to the code without a translation fails here
    (run `make i18n`, then translate what it added). English translates to the message as written."""
    catalog = _catalog(language)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    missing = sorted(_source_messages() - ids)
    assert not missing, f"{language}: {len(missing)} messages not in the catalog, e.g. {missing[:3]}"
    if language == "en":
        return
    untranslated = [
        m.id
        for m in catalog
        if m.id and ("fuzzy" in m.flags or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated or fuzzy, e.g. {untranslated[:3]}"


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_placeholders_match_between_message_and_translation(language: str) -> None:
    """`{ref}` in the message is `{ref}` in the translation: a renamed or dropped placeholder would raise
    KeyError in `.format` or lose the release id."""
    bad = []
    for m in _catalog(language):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for s in strings:
            if not s:
                continue  # untranslated: the completeness test reports it
            got = set(PLACEHOLDER.findall(s))
            # A plural form may leave the count out ("one flag"), never add or rename one.
            if not got <= want or (want - got) - {"n"}:
                bad.append((m.id, s))
    assert not bad, bad[:3]


def test_a_broken_placeholder_is_caught() -> None:
    """The check above can fail: a translation that renames `{ref}` is reported."""
    want, got = set(PLACEHOLDER.findall("Endorsed {ref}.")), set(PLACEHOLDER.findall("已认可 {release}。"))
    assert not got <= want


def test_platform_locales_map_to_our_languages() -> None:
    """Discord's zh-CN and es-419, Telegram's zh-hans and pt-br, config codes: ours or None."""
    assert [language_of(c) for c in ("zh-CN", "zh-hans", "zh_TW", "ja", "ru-RU", "es-419", "en-GB")] == [
        "zh",
        "zh",
        "zh",
        "ja",
        "ru",
        "es",
        "en",
    ]
    assert language_of("pt-BR") is None and language_of(None) is None and language_of("") is None


def test_translation_follows_the_context_and_plural_rules() -> None:
    """`_` answers in the language of the block; Russian has three plural forms."""
    with using("zh"):
        assert _("Endorsed") == "已认可"
        with using("ja"):
            assert _("Endorsed") != "Endorsed" and _("Endorsed") != "已认可"
        assert _("Endorsed") == "已认可"
    assert _("Endorsed") == "Endorsed"
    with using("ru"):
        forms = {ngettext("{n} upheld flag", "{n} upheld flags", n).format(n=n) for n in (1, 2, 5)}
    assert len(forms) == 3


NORMS = """
schema_version: 1
id: multi
version: "1.0.0"
norms:
  - id: name-base
    title: {en: Name the base model, zh: 写明基础模型, ja: ベースモデルを明記}
    need: credit
    severity: nudge
    fix: {en: Add "Base model - <name>", zh: 加上“基础模型：<名称>”}
    require: [base_model]
"""


def test_norm_titles_and_fixes_take_one_text_per_language() -> None:
    """`title: {en: …, zh: …}`: the norm reads as its English title everywhere a string is wanted and in
    Chinese where the reader reads Chinese; a language the file does not give falls back to English."""
    pack = load_pack_text(NORMS, "multi.yaml")
    norm = pack.norms[0]
    assert norm.title == "Name the base model" and isinstance(norm.title, Text)
    assert norm.title.in_language("zh") == "写明基础模型"
    assert isinstance(norm.fix, Text) and norm.fix.in_language("ru") == 'Add "Base model - <name>"'


SCRIPT = """
@ada: [locale ja]
@ada: Releasing Neon Dreams v2, a LoRA. Trigger: neondrm. NSFW: no. https://huggingface.co/ada/neon-dreams
@bo: [locale ru]
@bo: /endorse
@cy: /endorse R99
@ada: /endorse
"""


async def test_a_chinese_community_in_the_console(store: Store) -> None:
    """zh community: the review prompt is Chinese; ada (ja) gets her nudge in Japanese; bo (ru) is thanked in
    Russian while the prompt he refreshed stays Chinese; cy (no locale) is answered in Chinese; the model
    name, which ada wrote, is never translated. Every action went out in its reader's language."""
    clock = ManualClock()
    community = replace(console_community("baseline", ["mia"], []), language="zh")
    core = await build_core(store, [community], clock=clock, rules_only=True)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append)
    for line in SCRIPT.strip().splitlines():
        await session.feed(line)
    transcript = "\n".join(out)
    assert "审核 R1：Neon Dreams v2，作者 ada" in transcript  # the prompt, in the community's language
    assert "Neon Dreams" in transcript  # user text as written
    with using("ja"):
        nudge_title = _("Your release {ref} ({title}) misses some community norms").format(
            ref="R1", title="Neon Dreams v2"
        )
    assert nudge_title in transcript and nudge_title.startswith("あなた") is not None
    with using("ru"):
        thanks = _("Thanks! Endorsements on {ref}: {count}.").split("{ref}")[0]
    assert thanks and thanks in transcript
    assert "本社区没有发布 R99。" in transcript  # cy has no locale: the community's language
    assert "你不能认可自己的发布。" not in transcript  # ada (ja) is refused in Japanese, not Chinese
    with using("ja"):
        refusal = _("You can't {what} your own release.").format(what=_("endorse"))
    assert refusal in transcript
    assert core.stats["audience_mismatches"] == 0


MOD_SCRIPT = """
@ada: Releasing Neon Dreams v2, a LoRA. Trigger: neondrm. NSFW: no. https://huggingface.co/ada/neon-dreams
@mia: /queue
@mia: /release show R1
@mia: /status R1 flagged looks like a re-upload
"""


async def test_a_moderators_commands_in_a_chinese_community(store: Store) -> None:
    """zh community, a moderator without a locale of her own: /queue, /release show and /status answer in
    Chinese (the release's name, which ada wrote, and mia's reason stay as written); the creator is told about
    the moderator's decision in Chinese too. Every action went out in its reader's language."""
    clock = ManualClock()
    community = replace(console_community("baseline", ["mia"], []), language="zh")
    core = await build_core(store, [community], clock=clock, rules_only=True)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append)
    for line in MOD_SCRIPT.strip().splitlines():
        await session.feed(line)
    transcript = "\n".join(out)
    assert "审核队列" in transcript  # /queue's title
    assert "R1 Neon Dreams v2 — 审核中" in transcript  # a queue line: the state in Chinese, the name as written
    assert "创作者" in transcript and "认可" in transcript  # /release show's fields
    with using("zh"):
        told = _("Your release {ref} ({title}) is now {status}").format(
            ref="R1", title="Neon Dreams v2", status=_("flagged")
        )
    assert told in transcript  # the creator's message about mia's decision
    assert "looks like a re-upload" in transcript  # mia's reason, untranslated
    assert "Moderation queue" not in transcript and "Everything about" not in transcript
    assert core.stats["audience_mismatches"] == 0


NUDGE_NORMS = """
schema_version: 1
id: strict
version: "1.0.0"
norms:
  - id: license
    title: {en: State the license, ja: ライセンスを明記}
    need: credit
    severity: nudge
    fix: {en: Add "License - <name>", ja: 「ライセンス：<名前>」を追加}
    require: [license]
"""

NUDGE_SCRIPT = """
@ada: Releasing Neon Dreams v2, a LoRA. Trigger: neondrm. https://huggingface.co/ada/neon-dreams
@mia: [locale ru]
@mia: /normcheck R1
"""


async def test_a_normcheck_nudge_in_a_japanese_community(store: Store, tmp_path: Path) -> None:
    """ja community: a moderator (ru) re-checks ada's release; ada is sent what to fix in Japanese, with the
    norm's Japanese title and fix from the norm file; mia's own summary is in Russian."""
    (tmp_path / "strict.yaml").write_text(NUDGE_NORMS, encoding="utf-8")
    clock = ManualClock()
    community = replace(console_community(str(tmp_path / "strict.yaml"), ["mia"], []), language="ja")
    core = await build_core(store, [community], clock=clock, rules_only=True, base_dir=tmp_path)
    out: list[str] = []
    session = ConsoleSession(core, clock, write=out.append, base_dir=tmp_path)
    for line in NUDGE_SCRIPT.strip().splitlines():
        await session.feed(line)
    transcript = "\n".join(out)
    with using("ja"):
        nudge = _("Your release {ref} ({title}) misses some community norms").format(ref="R1", title="Neon Dreams v2")
    assert nudge in transcript and "ライセンスを明記" in transcript and "「ライセンス：<名前>」を追加" in transcript
    with using("ru"):
        summary = _("Norm check of {ref} ({title})").format(ref="R1", title="Neon Dreams v2")
        sent = _("The creator has been sent what to fix.")
    assert summary in transcript and sent in transcript
    assert core.stats["audience_mismatches"] == 0
