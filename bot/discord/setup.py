"""The core's settings form (`/setup`) on Discord: an ephemeral message with Discord's own pickers.

Page 1 holds a channel select each for the review, moderators' and log channels and a role select for the
reviewer roles (Discord lists the server's channels and roles itself, so nobody copies an id); page 2 holds
string selects for quorum, review window and language. A choice goes to the core as `/setup <setting>
<value>` (the core checks the moderator and the value) and the message is redrawn from the form the core
answers with, on the same page. Stateless, like the other components: a custom id says what a component
sets (`nbs1:s:<setting>`) or which page it shows (`nbs1:p:<n>`); the values come from the interaction.
"""

from __future__ import annotations

import dataclasses
import re

import discord

from bot.discord import render
from moderation.kernel.actions import SettingField, SettingsForm
from moderation.kernel.i18n import N_, _, translate, using

__all__ = ["PAGES", "parse_id", "permission_note", "settings_embed", "settings_view"]

PAGES: tuple[tuple[str, ...], ...] = (
    ("review-chat", "mod-chat", "log-chat", "reviewer-roles"),
    ("quorum", "review-window", "language", "enforcement"),
)
PAGE_LABELS = (N_("Chats and roles"), N_("More settings"))
_ID = re.compile(r"nbs1:(?:s:([a-z-]{1,20})|p:([0-9]))")
MAX_ROLES = 10


def parse_id(custom_id: str) -> tuple[str, str] | None:
    """("set", setting) or ("page", n) of a setup component's custom id; None when it is not one."""
    m = _ID.fullmatch(custom_id or "")
    if m is None:
        return None
    return ("set", m.group(1)) if m.group(1) else ("page", m.group(2))


def page_of(key: str) -> int:
    """The page a setting is on."""
    return next((i for i, keys in enumerate(PAGES) if key in keys), 0)


MISSING_MANAGE_MESSAGES = (
    "⚠️ Enforcement is on, but normbot lacks Manage Messages in this server, so deleting announcements will "
    "fail: give normbot's role Manage Messages (Server Settings → Roles)."
)


def permission_note(form: SettingsForm, guild: discord.Guild | None) -> SettingsForm:
    """The form with a warning when enforcement is on and the bot's own member lacks Manage Messages in the
    guild. Cheap: the bot's member and its roles are in the gateway cache (`guild.me.guild_permissions`), no
    request. Channel overwrites can still refuse; the first refused deletion then tells the moderators."""
    field = form.field("enforcement")
    me = guild.me if guild is not None else None
    if field is None or field.values != ("on",) or me is None or me.guild_permissions.manage_messages:
        return form
    note = f"{form.note}\n{MISSING_MANAGE_MESSAGES}" if form.note else MISSING_MANAGE_MESSAGES
    return dataclasses.replace(form, note=note)


def _shown(field: SettingField) -> str:
    """The value as Discord shows it: channels and roles as mentions (an embed's mentions ping nobody)."""
    if field.kind == "chat" and field.values and all(v.isdigit() for v in field.values):
        return ", ".join(f"<#{v}>" for v in field.values)
    if field.kind == "roles" and field.values:
        return ", ".join(f"<@&{v}>" if v.isdigit() else render.escape(v, 100) for v in field.values)
    return render.escape(field.shown, 200)


def settings_embed(form: SettingsForm, page: int) -> discord.Embed:
    """Every setting with its value and source; the note says what the last change did."""
    embed = render.card_embed(form.card())
    embed.clear_fields()
    embed.description = render.escape(form.note, 1000) if form.note else None
    for field in form.fields:
        value = f"{_shown(field)} · {render.escape(field.source, 200)}"
        embed.add_field(name=render.escape(field.label, 100), value=value[:1024], inline=True)
    with using(form.locale):
        footer = _("Page {page} of {pages} · each choice is saved at once").format(page=page + 1, pages=len(PAGES))
    embed.set_footer(text=footer)
    return embed


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def settings_view(form: SettingsForm, page: int) -> discord.ui.View:
    """The pickers of `page` and the button to the other page (stopped: interactions are read raw)."""
    page = min(max(page, 0), len(PAGES) - 1)
    view = discord.ui.View(timeout=None)
    for row, key in enumerate(PAGES[page]):
        field = form.field(key)
        if field is None:
            continue
        custom_id = f"nbs1:s:{key}"
        placeholder = _clip(f"{field.label}: {field.help}", 150)
        if field.kind == "chat":
            defaults = [discord.Object(int(v), type=discord.abc.GuildChannel) for v in field.values if v.isdigit()]
            types = [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]
            view.add_item(
                discord.ui.ChannelSelect(
                    custom_id=custom_id,
                    channel_types=types,
                    placeholder=placeholder,
                    row=row,
                    default_values=defaults[:1],
                )
            )
        elif field.kind == "roles":
            defaults = [discord.Object(int(v), type=discord.Role) for v in field.values if v.isdigit()]
            view.add_item(
                discord.ui.RoleSelect(
                    custom_id=custom_id,
                    placeholder=placeholder,
                    min_values=0,
                    max_values=MAX_ROLES,
                    row=row,
                    default_values=defaults[:MAX_ROLES],
                )
            )
        else:
            options = [
                discord.SelectOption(label=_clip(c.label, 100), value=c.value, default=c.value in field.values)
                for c in field.choices[:25]
            ]
            view.add_item(discord.ui.Select(custom_id=custom_id, placeholder=placeholder, options=options, row=row))
    other = 1 - page if len(PAGES) == 2 else 0
    with using(form.locale):
        words = translate(PAGE_LABELS[other > page])
    label = f"{words} ▶" if other > page else f"◀ {words}"
    view.add_item(discord.ui.Button(label=label, custom_id=f"nbs1:p:{other}", row=len(PAGES[page])))
    view.stop()
    return view


def chosen_value(kind: str, values: list[str]) -> str:
    """A select's values as the `/setup` value: one channel, roles separated by commas (none: `none`)."""
    if kind == "roles":
        return ", ".join(values) if values else "none"
    return values[0] if values else ""
