"""Cards to embeds, buttons to components, and the escaping every piece of user text goes through.

All text in actions is plain text written by users: it is escaped for Discord markdown and mentions
(`@everyone` becomes `@\u200beveryone`), and every message is sent with `AllowedMentions.none()`, so a
release called `@everyone **x**` is shown, never executed.
"""

from __future__ import annotations

import discord

from moderation.kernel.actions import Button, Card

__all__ = ["COLOURS", "NO_MENTIONS", "STYLES", "buttons_view", "card_embed", "card_text", "escape"]

NO_MENTIONS = discord.AllowedMentions.none()
COLOURS: dict[str, discord.Colour] = {
    "announced": discord.Colour.light_grey(),
    "in_review": discord.Colour.blue(),
    "endorsed": discord.Colour.green(),
    "changes_requested": discord.Colour.orange(),
    "flagged": discord.Colour.red(),
    "resolved": discord.Colour.teal(),
    "removed": discord.Colour.dark_grey(),
    "withdrawn": discord.Colour.darker_grey(),
    "upheld": discord.Colour.orange(),  # a prompt whose release carries an upheld flag (never green)
}
DEFAULT_COLOUR = discord.Colour.blurple()
STYLES: dict[str, discord.ButtonStyle] = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
# Discord's embed limits (title 256, description 4096, 25 fields of 256/1024, footer 2048, 6000 in all).
_TITLE, _BODY, _FIELDS, _NAME, _VALUE, _FOOTER, _TOTAL = 256, 4096, 25, 256, 1024, 2048, 6000


def escape(text: str, limit: int | None = None) -> str:
    """Markdown and mentions neutralised; clipped to `limit` characters with an ellipsis."""
    out = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def card_embed(card: Card) -> discord.Embed:
    """A card as an embed coloured by its status."""
    embed = discord.Embed(
        title=escape(card.title, _TITLE),
        description=escape(card.body, _BODY) if card.body else None,
        colour=COLOURS.get(card.status or "", DEFAULT_COLOUR),
    )
    for name, value in card.fields[:_FIELDS]:
        embed.add_field(name=escape(name, _NAME) or "\u200b", value=escape(value, _VALUE) or "\u200b", inline=False)
    if card.footer:
        # Footers render no markdown (a backslash would show), but mentions are neutralised all the same.
        embed.set_footer(text=discord.utils.escape_mentions(card.footer)[:_FOOTER])
    return _fit(embed)


def _fit(embed: discord.Embed) -> discord.Embed:
    """Keep the whole embed within 6000 characters (escaping can double a text): the description is
    clipped first, then fields are dropped from the end."""
    over = len(embed) - _TOTAL
    description = embed.description or ""
    if over > 0 and description:
        keep = max(0, len(description) - over - 1)
        embed.description = description[:keep] + "…"
    while len(embed) > _TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def card_text(card: Card, limit: int = 2000) -> str:
    """The plain-text form (a DM fallback or a place embeds cannot go), escaped."""
    return escape(card.as_text(), limit)


def buttons_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """Buttons as components whose `custom_id` is the core payload.

    The view is stopped before it is sent: presses are handled by the `PayloadButton` dynamic item
    registered at start-up (so they work after a restart), and a stopped view is not kept in the
    client's view store (nothing accumulates per message, nothing handles a press twice).
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:25]:
        view.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=button.payload[:100],
                style=STYLES.get(button.style, discord.ButtonStyle.secondary),
            )
        )
    view.stop()
    return view
