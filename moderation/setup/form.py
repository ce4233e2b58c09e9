"""The `/setup` form, built once in the core from the effective settings; adapters only render it."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.kernel.actions import Choice, SettingField, SettingsForm
from moderation.kernel.community import CommunityConfig
from moderation.kernel.i18n import N_, _, translate
from moderation.setup.settings import SPECS, Explained, Stored, explain, help_of, label_of, window_choices
from norms import NormPack
from norms.durations import format_duration
from storage import SettingRow, Tx

__all__ = ["SOURCES", "build_form", "stored_of"]

SOURCES = {"store": N_("set with /setup"), "file": "normbot.toml", "default": N_("default")}


def stored_of(rows: Sequence[SettingRow]) -> list[Stored]:
    """Store rows as the settings module reads them."""
    return [Stored(r.key, r.platform, r.value, r.updated_by, r.updated_at) for r in rows]


def _source(found: Explained) -> str:
    if found.source.startswith("norm pack"):
        return found.source
    text = translate(SOURCES.get(found.source, found.source))
    if found.source == "store" and found.by:
        text += " " + _("by {who}").format(who=found.by)
    return text


async def build_form(
    tx: Tx,
    *,
    community: CommunityConfig,
    community_id: int,
    rows: Sequence[SettingRow],
    pack: NormPack,
    configured: NormPack,
    platform: str,
    note: str = "",
    invite: str | None = None,
    invite_role: str = "",
) -> SettingsForm:
    """The settings of `community` (already merged with `rows`) as seen from `platform`: chats of that
    platform only, the pack's quorum and window unless set, where each value came from. `configured` is
    the file's pack before the settings (what a value reset falls back to)."""
    stored = stored_of(rows)
    explained = explain(
        community,
        stored,
        pack_quorum=configured.review.quorum,
        pack_window=configured.review.window,
        pack_name=f"{configured.id} {configured.version}",
        # Enforcement on without a stored row can only come from the file; off is the default.
        file_keys=frozenset({"language", "reviewer_roles"} | ({"enforcement"} if community.enforcement else set())),
        platforms=(platform,),
    )
    titles: dict[str, str] = {}
    known: list[Choice] = []
    for chat in await tx.chats.of_community(community_id, platform):
        titles[chat.chat_id] = chat.title or chat.chat_id
        known.append(Choice(chat.chat_id, chat.title or _("chat {id}").format(id=chat.chat_id)))
    for binding in community.chats:
        if binding.platform == platform and binding.chat_id not in titles:
            titles[binding.chat_id] = binding.chat_id
            known.append(Choice(binding.chat_id, _("chat {id}").format(id=binding.chat_id)))
    fields: list[SettingField] = []
    for spec in SPECS:
        found = next(e for e in explained if e.key == spec.key and e.platform in ("", platform))
        if spec.kind == "chat":
            values = tuple(c.chat_id for c in community.chats if c.role == spec.role and c.platform == platform)
            shown = ", ".join(titles.get(v, v) for v in values) or _("not set")
            fields.append(
                SettingField(
                    spec.key, label_of(spec), "chat", values, shown, _source(found), tuple(known[:25]), help_of(spec)
                )
            )
        elif spec.kind == "roles":
            roles = tuple(sorted(community.reviewer_roles))
            fields.append(
                SettingField(spec.key, label_of(spec), "roles", roles, found.value, _source(found), (), help_of(spec))
            )
        else:
            value = _choice_value(spec.stored, community, pack)
            choices = (
                window_choices()
                if spec.stored == "review_window"
                else tuple(Choice(c.value, translate(c.label)) for c in spec.choices)  # language names stay
            )
            if value not in {c.value for c in choices}:
                choices = (*choices, Choice(value, value))
            fields.append(
                SettingField(
                    spec.key, label_of(spec), "choice", (value,), found.value, _source(found), choices, help_of(spec)
                )
            )
    title = _("Settings of {community}").format(community=community.name)
    return SettingsForm("setup", title, tuple(fields), note=note, invite=invite, invite_role=invite_role)


def _choice_value(stored_key: str, community: CommunityConfig, pack: NormPack) -> str:
    if stored_key == "quorum":
        return str(pack.review.quorum)
    if stored_key == "review_window":
        return format_duration(pack.review.window)
    if stored_key == "enforcement":
        return "on" if community.enforcement else "off"
    return community.language
