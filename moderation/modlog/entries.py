"""The mod log: every moderator decision and every automatic consequence, posted once to the log chat.

Why derived from the audit events of the unit of work, right before it commits: the audit chain already
records each decision exactly once (a replayed platform event stops at `processed_events`, concurrent deciders
on several replicas are settled by compare-and-set moves and unique rows, so only the unit of work that really
decided appends the event). Building the log's messages from `tx.audit_log.appended` inherits that: the messages
travel with the answer of the one unit of work that committed, and a unit that rolls back (or a replay that
returned early) has none. No second source of truth, no outbox row per event, nothing read on the hot path
when the community has no log chat. What it does not give is delivery after a crash between COMMIT and the
adapter's send; such an entry is in the audit log (the registry's audit page) but not in the chat.

Entries are compact: one message per unit of work and community, a line per event, the release's ref and
title, who acted (a display name; "normbot" for automatic consequences), and the registry's page of the
release when a registry URL is configured. Reporters are never named (flag.filed is not logged).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moderation.kernel.actions import Action, Button, Card, Send
from moderation.kernel.community import chats_for
from moderation.kernel.i18n import _, ngettext, using
from moderation.releases.cards import clip, release_ref, title_of
from moderation.releases.lifecycle import status_label
from storage import Release, Tx, readable

if TYPE_CHECKING:
    from moderation.kernel.community import CommunityConfig
    from moderation.kernel.services import Services

__all__ = ["Line", "log_entries", "logged", "register"]

_REF = re.compile(r"R([0-9]{1,18})")
_FLAG = re.compile(r"F([0-9]{1,18})")


@dataclass(frozen=True, slots=True)
class Line:
    """One event in words: its mark, the sentence, and buttons the log offers for it (an appeal's decision)."""

    mark: str
    text: str
    buttons: tuple[Button, ...] = ()


Describer = Callable[[dict[str, Any], str, "Release | None"], "Line | None"]
"""(event, who acted, its release) -> the line, or None when this event is not worth a line after all."""

_DESCRIBERS: dict[str, Describer] = {}


def register(*actions: str) -> Callable[[Describer], Describer]:
    """Declare how audit events of `actions` read in the mod log (features with decisions of their own, such as
    appeals, register theirs next to their code)."""

    def wrap(fn: Describer) -> Describer:
        for action in actions:
            _DESCRIBERS[action] = fn
        return fn

    return wrap


def _state(value: object) -> str:
    return status_label(str(value))


def _note(payload: Mapping[str, Any]) -> str:
    note = readable(payload.get("note"))
    return f" — “{clip(str(note), 160)}”" if note else ""


@register("release.endorsed")
def _endorsed(e: dict[str, Any], who: str, release: Release | None) -> Line:
    n = e["payload"].get("endorsements")
    text = _("{ref} endorsed: quorum reached").format(ref=e["subject"])
    if n:
        text += " " + ngettext("({n} endorsement)", "({n} endorsements)", int(n)).format(n=n)
    return Line("✅", text)


@register("release.flagged")
def _flagged(e: dict[str, Any], who: str, release: Release | None) -> Line:
    n = e["payload"].get("reporters")
    return Line("🚩", _("{ref} flagged: {n} people reported it (the flag threshold)").format(ref=e["subject"], n=n))


@register("flag.upheld", "flag.dismissed")
def _flag_decided(e: dict[str, Any], who: str, release: Release | None) -> Line:
    upheld = e["action"] == "flag.upheld"
    if release is not None:
        text = (_("{flag} on {ref} upheld by {who}") if upheld else _("{flag} on {ref} dismissed by {who}")).format(
            flag=e["subject"], ref=release_ref(release), who=who
        )
    else:
        text = (_("{flag} upheld by {who}") if upheld else _("{flag} dismissed by {who}")).format(
            flag=e["subject"], who=who
        )
    penalised = "; " + _("reporter penalised") if e["payload"].get("penalised") else ""
    return Line("⚖️", f"{text}{penalised}{_note(e['payload'])}")


@register("release.status")
def _status(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    to = str(p.get("to", ""))
    mark = {"removed": "⛔", "changes_requested": "✏️", "endorsed": "✅", "resolved": "☑️"}.get(to, "↪️")
    by = _("automatically") if who == "normbot" else _("by {who}").format(who=who)
    because = " " + _("(flag {flag})").format(flag=p["flag"]) if p.get("flag") else ""
    return Line(mark, f"{e['subject']}: {_state(p.get('from'))} → {_state(to)} {by}{because}{_note(p)}")


@register("release.checked")
def _checked(e: dict[str, Any], who: str, release: Release | None) -> Line | None:
    """Only a check that requested changes is a consequence worth a line; a passing check is routine."""
    p = e["payload"]
    if p.get("status") != "changes_requested" or p.get("from") == "changes_requested":
        return None
    return Line("✏️", _("{ref}: changes requested by the norm check (a block norm fails)").format(ref=e["subject"]))


@register("release.withdrawn", "release.restored")
def _withdrawn(e: dict[str, Any], who: str, release: Release | None) -> Line:
    if e["action"] == "release.withdrawn":
        return Line("🙈", _("{ref} marked not a release by {who} (/notrelease)").format(ref=e["subject"], who=who))
    return Line("↩️", _("{ref} marked a release again by {who} (/markrelease)").format(ref=e["subject"], who=who))


@register("detection.corrected")
def _corrected(e: dict[str, Any], who: str, release: Release | None) -> Line | None:
    p = e["payload"]
    if not p.get("is_release") or p.get("was") is not None:
        return None  # /notrelease is logged as release.withdrawn, a restore as release.restored
    ref = release_ref(release) if release is not None else _("a message")
    return Line(
        "🎯",
        _("{ref}: {who} marked the message a release (/markrelease; the detector learns from it)").format(
            ref=ref, who=who
        ),
    )


@register("norms.adopted", "norms.rolled_back")
def _norms(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    said = (
        _("{who} adopted norm pack {pack} ({revision})")
        if e["action"] == "norms.adopted"
        else _("{who} rolled back to norm pack {pack} ({revision})")
    )
    return Line("📜", said.format(who=who, pack=f"{p.get('id')} {p.get('version')}", revision=e["subject"]))


@register("review.window_closed")
def _window(e: dict[str, Any], who: str, release: Release | None) -> Line:
    return Line("⏰", _("{ref}: review window closed without a quorum").format(ref=e["subject"]))


@register("chat.watched", "chat.unwatched")
def _watched(e: dict[str, Any], who: str, release: Release | None) -> Line:
    said = (
        _("normbot watches {chat} ({who})")
        if e["action"] == "chat.watched"
        else _("normbot no longer watches {chat} ({who})")
    )
    return Line("👁", said.format(chat=e["subject"], who=who))


@register("community.setting_changed")
def _setting(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    key = str(e["subject"]).removeprefix("setting:").replace("_", "-")
    where = f" ({p['platform']})" if p.get("platform") else ""
    old, new = (
        clip(str(readable(p.get(k))), 60) if p.get(k) is not None else _("the file's value") for k in ("old", "new")
    )
    return Line(
        "⚙️",
        _("{who} changed {setting}: {old} → {new} (/setup)").format(who=who, setting=f"{key}{where}", old=old, new=new),
    )


def logged() -> frozenset[str]:
    """The audit actions the mod log shows (feature modules register theirs when imported)."""
    return frozenset(_DESCRIBERS)


async def _release_of(tx: Tx, cid: int, e: dict[str, Any], cache: dict[str, Release | None]) -> Release | None:
    """The release an event is about: its subject (R12), a flag's or appeal's release, or the payload's."""
    subject = str(e["subject"])
    if subject in cache:
        return cache[subject]
    release_id: int | None = None
    payload = e["payload"]
    if m := _REF.fullmatch(subject):
        release_id = int(m.group(1))
    elif isinstance(payload.get("release"), int):
        release_id = payload["release"]
    elif m := _FLAG.fullmatch(subject):
        flag = await tx.flags.get(cid, int(m.group(1)))
        release_id = flag.release_id if flag is not None else None
    release = await tx.releases.get(cid, release_id) if release_id is not None else None
    cache[subject] = release
    return release


async def _who(tx: Tx, actor: str, names: dict[str, str]) -> str:
    """A display name for the audit actor (`discord:1234` -> `Mia`); `normbot` for the bot itself."""
    if actor in names:
        return names[actor]
    platform, _, user_id = actor.partition(":")
    account = await tx.accounts.by_user(platform, user_id) if user_id else None
    names[actor] = clip(account.display_name, 40) if account is not None else actor
    return names[actor]


def _link(community: CommunityConfig, release: Release) -> str:
    base = community.registry_url
    return f"{release_ref(release)}: {base.rstrip('/')}/r/{release.id}" if base else ""


async def log_entries(services: Services, tx: Tx) -> list[Action]:
    """The mod-log messages for the decisions this unit of work made (call it inside the unit, after its
    work and before COMMIT; the caller returns them with its other actions). Nothing is read from the store
    unless an event is logged and its community has a log chat."""
    events = [e for e in tx.audit_log.appended if e["action"] in _DESCRIBERS]
    if not events:
        return []
    by_community: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        by_community.setdefault(int(e["community_id"]), []).append(e)
    actions: list[Action] = []
    names: dict[str, str] = {"normbot": "normbot"}
    for cid, evs in by_community.items():
        slug = services.directory.slug_of(cid)
        community = services.communities.get(slug) if slug else None
        chats = chats_for(community, "log") if community is not None else []
        if community is None or not chats:
            continue
        cache: dict[str, Release | None] = {}
        lines: list[Line] = []
        releases: dict[int, Release] = {}
        for e in evs:
            release = await _release_of(tx, cid, e, cache)
            with using(community.language):  # the log chat is the community's: its language, whoever acted
                line = _DESCRIBERS[e["action"]](e, await _who(tx, str(e["actor"]), names), release)
            if line is None:
                continue
            lines.append(line)
            if release is not None:
                releases.setdefault(release.id, release)
        if not lines:
            continue
        first, rest = lines[0], lines[1:]
        about = next(iter(releases.values()), None)
        title = f"{first.mark} {first.text}"
        if about is not None and len(releases) == 1:
            title += f" · {title_of(about)}"
        links = [link for r in releases.values() if (link := _link(community, r))]
        body = "\n".join([f"{ln.mark} {ln.text}" for ln in rest] + links)
        status = about.status if about is not None and len(releases) == 1 else None
        btns = tuple(b for ln in lines for b in ln.buttons)
        with using(community.language):
            card = Card(clip(title, 250), body, status=status, footer=_("mod log"))
        actions.extend(Send(chat, card, btns) for chat in chats)
    return actions
