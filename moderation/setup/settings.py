"""The settings a moderator can change from chat, defined once: what each is called, how a typed or chosen
value is read, and how stored values override `normbot.toml` and the norm pack.

Why here and not in `bot/config.py`: the file is read once at start-up, but a setting changed with `/setup`
must take effect at once, on every replica, for every reader (the watcher's prompt chat, the quorum of an
endorsement, the reminders' window). So the core keeps the file's `CommunityConfig` and builds the effective
one from it and the stored rows (`merged`); `normbot config show` uses the same function to say where each
value came from (`explain`).

Keys are typed with hyphens (`/setup review-chat here`) and stored with underscores (`review_chat`). Chats
are per platform (a Discord review channel and a Telegram review group are two settings of one community);
the others are community-wide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from moderation.kernel.actions import Choice
from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.kernel.errors import BadArgument
from moderation.kernel.i18n import LANGUAGES, N_, _, ngettext, translate
from norms.durations import format_duration, parse_duration

__all__ = [
    "LANGUAGES",
    "MAX_QUORUM",
    "SPECS",
    "Explained",
    "SettingSpec",
    "Stored",
    "explain",
    "merged",
    "parse_value",
    "shown",
    "spec_for",
]

MAX_QUORUM = 50  # the store's constraint (storage.models.CommunitySetting) says the same
MIN_WINDOW, MAX_WINDOW = timedelta(hours=1), timedelta(days=30)
RESET = frozenset({"reset", "default", "unset"})
_CHAT_ID = re.compile(r"-?[0-9]{1,20}|[A-Za-z0-9_.:-]{1,64}")
_ROLE = re.compile(r"[^,\n]{1,100}")
MAX_ROLES = 10

Kind = Literal["chat", "roles", "choice"]


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting: its typed `key`, its `stored` key, what a person reads (`label`, `help`), how it is
    picked (`kind`: a chat of the platform, platform roles, or one of `choices`), and for chats the role the
    chat takes in the community (`ChatBinding.role`)."""

    key: str
    stored: str
    label: str
    kind: Kind
    help: str
    role: str = ""
    choices: tuple[Choice, ...] = ()

    @property
    def per_platform(self) -> bool:
        """Chats are stored per platform; the rest for the whole community."""
        return self.kind == "chat"


def window_choices() -> tuple[Choice, ...]:
    """Values in `format_duration`'s canonical form, so the value in force is found among them; the labels
    in the current language (the form calls it again when it is drawn)."""
    hours = (12, 24, 48, 72, 120, 168, 336)
    return tuple(
        Choice(
            format_duration(timedelta(hours=h)),
            ngettext("{n} hour", "{n} hours", h).format(n=h)
            if h <= 72
            else ngettext("{n} day", "{n} days", h // 24).format(n=h // 24),
        )
        for h in hours
    )


def label_of(spec: SettingSpec) -> str:
    """The setting's name in the current language."""
    return translate(spec.label)


def help_of(spec: SettingSpec) -> str:
    """What the setting does, in the current language."""
    return translate(spec.help).format(max=MAX_QUORUM)


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "review-chat", "review_chat", N_("Review chat"), "chat", N_("where review prompts are posted"), role="review"
    ),
    SettingSpec(
        "mod-chat",
        "mod_chat",
        N_("Moderators' chat"),
        "chat",
        N_("where flags and deadlines alert moderators"),
        role="mod",
    ),
    SettingSpec("log-chat", "log_chat", N_("Log chat"), "chat", N_("where every decision is recorded"), role="log"),
    SettingSpec(
        "reviewer-roles", "reviewer_roles", N_("Reviewer roles"), "roles", N_("roles whose endorsements count")
    ),
    SettingSpec(
        "quorum",
        "quorum",
        N_("Quorum"),
        "choice",
        N_("reviewer endorsements a release needs (1 to {max})"),
        choices=tuple(Choice(str(n), str(n)) for n in range(1, 11)),
    ),
    SettingSpec(
        "review-window",
        "review_window",
        N_("Review window"),
        "choice",
        N_("how long a release stays open for review (1h to 30d)"),
        choices=window_choices(),
    ),
    SettingSpec(
        "language",
        "language",
        N_("Language"),
        "choice",
        N_("the community's language"),
        choices=tuple(Choice(code, f"{name} ({code})") for code, name in LANGUAGES.items()),
    ),
    SettingSpec(
        "enforcement",
        "enforcement",
        N_("Enforcement"),
        "choice",
        N_("delete a removed release's announcements and tell the creator (needs the delete permission)"),
        choices=(
            Choice("off", N_("Off (moderators delete by hand)")),
            Choice("on", N_("On (delete the announcements)")),
        ),
    ),
)
_BY_KEY = {s.key: s for s in SPECS}
_BY_STORED = {s.stored: s for s in SPECS}


def spec_for(key: str) -> SettingSpec | None:
    """The setting a typed key (or a stored key) names; `window` is accepted for `review-window`."""
    key = key.strip().lower().replace("_", "-")
    if key == "window":
        key = "review-window"
    return _BY_KEY.get(key) or _BY_STORED.get(key.replace("-", "_"))


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored setting as the core reads it (`storage.SettingRow` carries the same fields)."""

    key: str  # the stored key: review_chat, quorum, ...
    platform: str  # '' for community-wide settings
    value: Any
    updated_by: str
    updated_at: datetime


def _usage(spec: SettingSpec) -> str:
    example = {"chat": "here", "roles": "Reviewer, Curator", "choice": spec.choices[0].value if spec.choices else ""}
    return _("For example: /setup {key} {example} (or /setup {key} reset for the file's value)").format(
        key=spec.key, example=example[spec.kind]
    )


def parse_value(spec: SettingSpec, raw: str, *, here: str | None = None) -> Any:
    """A typed or chosen value in its stored form (int, str, list of str); BadArgument with an example when
    it is not one. `here` is the chat the command was typed in (the value `here` of a chat setting)."""
    text = raw.strip()
    if spec.kind == "chat":
        if text.lower() in ("here", "this") and here is not None:
            return here
        value = text.lstrip("#").removeprefix("<#").removesuffix(">")
        if not _CHAT_ID.fullmatch(value):
            raise BadArgument(
                _("{value} is not a chat I can use as the {setting}.").format(
                    value=repr(text[:40]), setting=label_of(spec).lower()
                ),
                hint=_usage(spec),
            )
        return value
    if spec.kind == "roles":
        if text.lower() in ("none", "nobody", "-"):
            return []
        roles = sorted({r.strip().lstrip("@") for r in text.split(",") if r.strip()})
        if not roles or len(roles) > MAX_ROLES or not all(_ROLE.fullmatch(r) for r in roles):
            raise BadArgument(
                _("Name 1 to {max} roles separated by commas, or none.").format(max=MAX_ROLES), hint=_usage(spec)
            )
        return roles
    if spec.stored == "quorum":
        if not text.isdigit() or not 1 <= int(text) <= MAX_QUORUM:
            raise BadArgument(
                _("The quorum must be a whole number from 1 to {max}, not {value}.").format(
                    max=MAX_QUORUM, value=repr(text[:20])
                ),
                hint=_usage(spec),
            )
        return int(text)
    if spec.stored == "review_window":
        try:
            window = parse_duration(text.lower().replace(" ", ""))
        except ValueError:
            raise BadArgument(
                _("{value} is not a duration; write it like 48h or 7d.").format(value=repr(text[:20])),
                hint=_usage(spec),
            ) from None
        if not MIN_WINDOW <= window <= MAX_WINDOW:
            raise BadArgument(_("The review window must be between 1h and 30d."), hint=_usage(spec))
        return int(window.total_seconds())
    if spec.stored == "enforcement":
        switch = text.lower()
        if switch in ("on", "yes", "true", "enabled"):
            return "on"
        if switch in ("off", "no", "false", "disabled"):
            return "off"
        raise BadArgument(_("Enforcement is on or off, not {value}.").format(value=repr(text[:20])), hint=_usage(spec))
    code = text.lower()
    if code not in LANGUAGES:
        named = ", ".join(f"{c} ({n})" for c, n in LANGUAGES.items())
        raise BadArgument(
            _("I don't speak {value} yet. Choose one of: {languages}.").format(value=repr(text[:20]), languages=named),
            hint=_usage(spec),
        )
    return code


def shown(spec: SettingSpec, value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "":
        return _("not set")
    if spec.kind == "roles":
        return ", ".join(value) if value else _("none")
    if spec.stored == "review_window":
        return format_duration(timedelta(seconds=int(value)))
    if spec.stored == "language":
        return f"{LANGUAGES.get(str(value), str(value))} ({value})"
    if spec.stored == "enforcement":
        return "on" if value in ("on", True) else "off"
    return str(value)


def merged(config: CommunityConfig, stored: Iterable[Stored]) -> CommunityConfig:
    """The community as the core uses it: the file's values, each replaced by a stored one where a moderator
    set it (a stored chat replaces the file's chats of that role on that platform only)."""
    changes: dict[str, Any] = {}
    chats = list(config.chats)
    for row in stored:
        spec = _BY_STORED.get(row.key)
        if spec is None:
            continue
        if spec.kind == "chat":
            chats = [c for c in chats if not (c.role == spec.role and c.platform == row.platform)]
            chats.append(ChatBinding(row.platform, str(row.value), spec.role))
        elif spec.kind == "roles":
            changes["reviewer_roles"] = frozenset(str(r).lower() for r in row.value)
        elif spec.stored == "quorum":
            changes["quorum"] = int(row.value)
        elif spec.stored == "review_window":
            changes["review_window"] = timedelta(seconds=int(row.value))
        elif spec.stored == "language":
            changes["language"] = str(row.value)
        elif spec.stored == "enforcement":
            changes["enforcement"] = row.value == "on"
    return replace(config, chats=tuple(chats), **changes)


@dataclass(frozen=True, slots=True)
class Explained:
    """One effective value and where it came from: `store` (with who and when), `file`, `norm pack` or
    `default`."""

    key: str
    platform: str
    value: str
    source: str
    by: str = ""
    at: datetime | None = None

    def line(self) -> str:
        """`review-chat (telegram): -1001 ← store (telegram:42, 2026-12-14 09:00 UTC)`."""
        where = f" ({self.platform})" if self.platform else ""
        origin = self.source
        if self.by:
            origin += f" ({self.by}, {self.at:%Y-%m-%d %H:%M} UTC)" if self.at else f" ({self.by})"
        return f"{self.key}{where}: {self.value} ← {origin}"


def explain(
    config: CommunityConfig,
    stored: Sequence[Stored],
    *,
    pack_quorum: int,
    pack_window: timedelta,
    pack_name: str,
    file_keys: frozenset[str] = frozenset(),
    platforms: Iterable[str] = (),
) -> list[Explained]:
    """Every setting's effective value with its source, in `SPECS` order (chats once per platform that has
    one in the file or the store, or `platforms`). `file_keys`: the stored keys the file sets explicitly
    (`language`, `reviewer_roles`); the others there are defaults."""
    by_key = {(s.key, s.platform): s for s in stored}
    out: list[Explained] = []
    for spec in SPECS:
        if spec.kind == "chat":
            on = sorted(
                {c.platform for c in config.chats if c.role == spec.role}
                | {p for (k, p) in by_key if k == spec.stored}
                | set(platforms)
            )
            if not on:
                out.append(Explained(spec.key, "", "not set", "default"))
            for platform in on:
                row = by_key.get((spec.stored, platform))
                if row is not None:
                    out.append(_from_store(spec, row))
                    continue
                file_chats = [c.chat_id for c in config.chats if c.role == spec.role and c.platform == platform]
                if file_chats:
                    out.append(Explained(spec.key, platform, ", ".join(file_chats), "file"))
                else:
                    out.append(Explained(spec.key, platform, "not set", "default"))
            continue
        row = by_key.get((spec.stored, ""))
        if row is not None:
            out.append(_from_store(spec, row))
        elif spec.stored == "quorum":
            out.append(Explained(spec.key, "", str(pack_quorum), f"norm pack {pack_name}"))
        elif spec.stored == "review_window":
            out.append(Explained(spec.key, "", format_duration(pack_window), f"norm pack {pack_name}"))
        elif spec.stored == "reviewer_roles":
            roles = ", ".join(sorted(config.reviewer_roles)) or "none"
            out.append(Explained(spec.key, "", roles, "file" if spec.stored in file_keys else "default"))
        elif spec.stored == "enforcement":
            source = "file" if spec.stored in file_keys else "default"
            out.append(Explained(spec.key, "", shown(spec, config.enforcement), source))
        else:
            source = "file" if spec.stored in file_keys else "default"
            out.append(Explained(spec.key, "", shown(spec, config.language), source))
    return out


def _from_store(spec: SettingSpec, row: Stored) -> Explained:
    return Explained(spec.key, row.platform, shown(spec, row.value), "store", row.updated_by, row.updated_at)
