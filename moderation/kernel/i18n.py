"""The words the core says, in the reader's language: gettext catalogs (Babel) and the locale in force.

Handlers write `_("Thanks! {ref} is endorsed.").format(ref=...)`; `_` translates into the locale of the
current context (a `ContextVar`), which the core sets for each piece of work by its audience:

- text everybody in a chat reads (review prompts, alerts, the moderators' chat, public replies) is in the
  **community's language** (`CommunityConfig.language`);
- text for one person (ephemeral and private replies, forms, direct messages to the member who acted) is in
  **that member's locale** when their platform tells us (a Discord interaction's locale, a Telegram user's
  `language_code`), else in the community's language.

Why a context variable and not a `locale` argument threaded through every card function: text is built deep
in shared helpers (cards, guards, errors raised three calls down), and handlers of every feature would
otherwise each pass it along; the core chooses the audience once (`moderation.dispatcher`, `Invocation.public`),
and every `Card` records the locale it was written in, so the core can check that each action went to the
audience whose language it speaks (`audience_locale`).

Catalogs live in `moderation/locale/<lang>/LC_MESSAGES/normbot.po` (template: `moderation/locale/normbot.pot`,
made by `make i18n`). They are compiled *in memory* the first time a language is needed (Babel's
`read_po` and `write_mo`), so no generated `.mo` file is committed or can go stale, a clean clone works
offline, and a read-only install works too; the cost is measured in docs/i18n.md.

User-supplied text (names, reasons, notes, norm files) is never passed through `_`: only literals are
translated, and values are formatted into the translated sentence afterwards.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "KEYWORDS",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "current_locale",
    "language_of",
    "localized",
    "ngettext",
    "settle",
    "translate",
    "translations",
    "using",
]

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文", "ja": "日本語", "ru": "Русский", "es": "Español"}
"""The languages normbot speaks, by the code a config or `/setup language` uses (`zh` is Simplified)."""
DEFAULT_LANGUAGE = "en"
DOMAIN = "normbot"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "command": (2,),
    "Param": (2,),
}
"""What `pybabel extract` (the Makefile's `i18n` target) and the completeness test read as messages: `_` and
`N_` (a marker for text translated later, where it is shown), `ngettext`, and the description of every
`@command` and `Param` (help and usage show them translated)."""

_current: ContextVar[str] = ContextVar("normbot_locale", default=DEFAULT_LANGUAGE)


def language_of(code: str | None) -> str | None:
    """The language we speak for a platform's locale code, or None when we have no catalog for it.

    Discord says `zh-CN`, `es-ES`, `en-US`; Telegram says `zh-hans`, `ru`, `pt-br`; configs say `zh`. Chinese
    of every script is answered in Simplified Chinese (the one Chinese catalog we ship), which a reader of
    Traditional reads more easily than English."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`, compiled from its `.po` file once per process (English, and any language
    without a catalog, translate to the text as written)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_locale() -> str:
    """The language text is being written in right now."""
    return _current.get()


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Write text in `language` inside the block (the default language for None or one we do not speak)."""
    chosen = language_of(language) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def settle(language: str | None) -> str:
    """Write in `language` for the rest of the enclosing `using` block, which restores the language before it
    when it ends. The core calls it once it knows who reads what it is about to write (the community is
    resolved inside the unit of work, after the event's block began)."""
    chosen = language_of(language) or DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


def _(message: str) -> str:
    """`message` in the current language. Only ever pass a literal (so that `pybabel extract` finds it)."""
    return translations(_current.get()).gettext(message)


def translate(message: str) -> str:
    """`message`, marked elsewhere with `N_`, `@command` or `Param`, in the current language."""
    return translations(_current.get()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for the count `n`, by the current language's plural rules."""
    return translations(_current.get()).ngettext(singular, plural, n)


def localized(value: str | None) -> str | None:
    """A norm's title, fix or question in the current language where its norm file gives one (never
    through the catalogs: norm files are the community's own text)."""
    from norms import in_language

    return in_language(value, _current.get())


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (a constant shown later through `translate`)."""
    return message
