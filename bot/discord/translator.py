"""Slash-command descriptions in the member's language: discord.py's `app_commands.Translator` on the core's
catalogs (issue 23, item 5).

Discord shows a command's and a parameter's description in the language of the member's client when the
command is registered with `description_localizations`; discord.py asks a translator for each of its locales
when the tree is synced. The descriptions are the `@command` and `Param` texts, which are catalog messages
already (`moderation.kernel.i18n.KEYWORDS`), so this reads the same catalogs as everything else and needs no
list of its own. Names (`/endorse`, `release`) are never translated: people type them, docs name them.
"""

from __future__ import annotations

from discord import app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str
from discord.enums import Locale

from moderation.kernel.i18n import DEFAULT_LANGUAGE, language_of, translations

__all__ = ["CatalogTranslator"]

_DESCRIPTIONS = frozenset(
    {
        TranslationContextLocation.command_description,
        TranslationContextLocation.group_description,
        TranslationContextLocation.parameter_description,
    }
)
_LIMIT = 100  # Discord's limit for a description, in characters


class CatalogTranslator(app_commands.Translator):
    """Descriptions in our languages from the catalogs; None (Discord shows the English) for names, for
    locales we have no catalog for, and for text no catalog holds (a group's generated description)."""

    async def translate(self, string: locale_str, locale: Locale, context: TranslationContextTypes) -> str | None:
        if context.location not in _DESCRIPTIONS:
            return None
        language = language_of(locale.value)
        if language is None or language == DEFAULT_LANGUAGE:
            return None
        message = string.message
        translated = translations(language).gettext(message)
        return translated[:_LIMIT] if translated and translated != message else None
