"""`/setup`: moderators set the community up from chat, one setting at a time.

`/setup` alone shows the settings as a form (Discord: selects; Telegram: a keyboard dialogue in the
private chat; the console: the lines to type). Every change, whichever way it was made, arrives as
`/setup <setting> <value>`, so the privilege and the value are checked here once. A change is stored
(overriding the file), audited as `community.setting_changed` with the old and new value, and in force on
this replica as soon as it commits (others within the binding snapshot's few seconds).

`/setup invite <role>` asks for a one-time "add this group" token (moderation.setup.invites), which the
Telegram adapter turns into a `startgroup` link, so nobody reads a chat id by hand.
"""

from __future__ import annotations

import secrets
from typing import Any

from moderation.kernel.actions import Action, OpenSettings
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import BadArgument, NotPermitted
from moderation.kernel.i18n import _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import OneOf, Text
from moderation.kernel.permissions import Privilege
from moderation.setup.form import build_form, stored_of
from moderation.setup.invites import INVITE_ROLES, INVITE_TTL, token_hash
from moderation.setup.settings import (
    RESET,
    SPECS,
    SettingSpec,
    help_of,
    label_of,
    merged,
    parse_value,
    shown,
    spec_for,
)

__all__: list[str] = []

_KEYS = tuple(s.key for s in SPECS)


@command(
    "setup",
    "Set the community up: review, moderators' and log chats, reviewer roles, quorum, window, language",
    Param("setting", "The setting to change (leave it out to see them all)", OneOf(*_KEYS, "invite"), required=False),
    Param(
        "value",
        "here (this chat), roles with commas, a number, a duration like 48h, a language code, or reset",
        Text(400),
        required=False,
    ),
    privilege=Privilege.MODERATOR,
    examples=(
        "/setup",
        "/setup review-chat here",
        "/setup quorum 3",
        "/setup review-window 48h",
        "/setup language es",
        "/setup enforcement on",
    ),
    private_chat=True,
)
async def setup(inv: Invocation, *, setting: str | None, value: str | None) -> list[Action]:
    """Show the settings, or change one (`reset` gives the file's value back)."""
    key, raw = setting, value
    if key is None:
        return [OpenSettings(await _form(inv))]
    if key == "invite":
        return await _invite(inv, (raw or "releases").strip().lower())
    spec = spec_for(key)
    assert spec is not None  # the parameter's choices are the keys
    if raw is None or not raw.strip():
        raise BadArgument(
            _('"{key}" needs a value: {help}.').format(key=spec.key, help=help_of(spec)),
            hint=_("For example: {example}").format(example=_example(inv, spec)),
        )
    here = None if inv.chat.private else inv.chat.chat_id
    if raw.strip().lower() in RESET:
        new: Any = None
    else:
        if spec.kind == "chat" and inv.chat.private and raw.strip().lower() in ("here", "this"):
            raise BadArgument(
                _("This private chat cannot be the community's chat."),
                hint=_("Choose one of the community's chats in the form (/setup), or type the command in that chat."),
            )
        new = parse_value(spec, raw, here=here)
    platform = inv.chat.platform if spec.per_platform else ""
    if spec.kind == "chat" and new is not None:
        await _check_chat(inv, str(new))
    old = await inv.tx.settings.set(inv.community_id, spec.stored, platform, new, by=inv.actor_ref, at=inv.now)
    if old == new:
        note = _("{setting} was already {value}; nothing changed.").format(
            setting=label_of(spec), value=_said(spec, new)
        )
    else:
        await inv.audit(
            "community.setting_changed",
            f"setting:{spec.stored}",
            {"platform": platform, "old": old, "new": new},
        )
        note = f"{label_of(spec)}: {_said(spec, old)} → {_said(spec, new)}."
    rows = await inv.tx.settings.all(inv.community_id)
    slug = inv.community.slug
    inv.tx.on_commit(lambda: inv.services.directory.settings_changed(slug, rows))
    return [OpenSettings(await _form(inv, rows, note=note))]


def _said(spec: SettingSpec, value: Any) -> str:
    return _("the file’s value") if value is None else shown(spec, value)


def _example(inv: Invocation, spec: SettingSpec) -> str:
    sample = {"chat": "here", "roles": "Reviewer, Curator"}.get(spec.kind) or spec.choices[0].value
    return f"{inv.ref('setup')} {spec.key} {sample}"


async def _check_chat(inv: Invocation, chat_id: str) -> None:
    """A chat another community owns (bound in the store or named in its file) cannot become this one's:
    prompts and alerts would go to the other community. Anything else is the moderator's choice."""
    platform = inv.chat.platform
    binding = await inv.tx.chats.binding(platform, chat_id)
    if binding is not None and binding.community_id != inv.community_id:
        raise NotPermitted(_("That chat belongs to another community I serve; choose one of this community's chats."))
    for slug, config in inv.services.directory.file_communities.items():
        if slug != inv.community.slug and any(c.platform == platform and c.chat_id == chat_id for c in config.chats):
            raise NotPermitted(
                _("That chat belongs to another community I serve; choose one of this community's chats.")
            )


async def _form(inv: Invocation, rows: Any = None, *, note: str = "", invite: str | None = None, role: str = "") -> Any:
    """The form as it reads after this invocation's change (built from the rows just written: the core's
    own copy changes only when the unit of work commits)."""
    if rows is None:
        rows = await inv.tx.settings.all(inv.community_id)
    file_config = inv.services.directory.file_communities.get(inv.community.slug, inv.community)
    community = merged(file_config, stored_of(rows))
    pack = await inv.services.packs.current(inv.tx, community, inv.community_id)
    configured = await inv.services.packs.current(inv.tx, file_config, inv.community_id)
    return await build_form(
        inv.tx,
        community=community,
        community_id=inv.community_id,
        rows=rows,
        pack=pack,
        configured=configured,
        platform=inv.chat.platform,
        note=note,
        invite=invite,
        invite_role=role,
    )


async def _invite(inv: Invocation, role: str) -> list[Action]:
    """A one-time token that adds a chat to the community as `role` (good for `INVITE_TTL`, for this
    moderator only)."""
    if role not in INVITE_ROLES:
        raise BadArgument(
            _("A chat can join as one of: {roles}.").format(roles=", ".join(INVITE_ROLES)),
            hint=_("For example: {example}").format(example=f"{inv.ref('setup')} invite review"),
        )
    token = secrets.token_urlsafe(24)
    await inv.tx.invites.add(
        inv.community_id,
        token_hash=token_hash(token),
        platform=inv.chat.platform,
        role=role,
        created_by=inv.actor_ref,
        at=inv.now,
        expires_at=inv.now + INVITE_TTL,
    )
    await inv.audit("chat.invite_created", f"invite:{role}", {"platform": inv.chat.platform})
    note = _(
        "Add me to the chat that should be the community's {role} chat; the link works once, for you, for an hour."
    ).format(role=role)
    return [OpenSettings(await _form(inv, note=note, invite=token, role=role))]
