"""Commands about provenance: claim, provenance (lineage tree), profile (reputation), link (identity)."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any

from moderation.kernel.actions import Action, Card, DirectMessage, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone, BadArgument, NotFound
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import BadValue, Converter, ReleaseRef, Word
from moderation.provenance.claims import alert_actions, claim_matches, record_claim
from moderation.provenance.keys import KeyProblem, KeyStore
from moderation.provenance.lineage import LineageIndex, render_tree
from moderation.provenance.plugin import Provenance
from moderation.provenance.reputation import DEFAULT_HALF_LIFE, profile_card, profile_of
from moderation.provenance.values import ClaimValue, parse_claim_value
from moderation.releases.cards import clip, release_ref, title_of
from moderation.releases.lifecycle import quorum_reached
from moderation.releases.reviewing import refresh_prompts, set_status
from storage import Account, Release

__all__: list[str] = []

RELEASE_OPT = Param(
    "release", N_("The release id, like R12 (or reply to its announcement)"), ReleaseRef, required=False
)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand
DEFAULT_LINK_TTL = timedelta(minutes=10)
_MENTION = re.compile(r"<@!?(\d{1,20})>")


def _provenance(inv: Invocation) -> Provenance | None:
    hooks = inv.services.hooks
    return hooks if isinstance(hooks, Provenance) else None


class ClaimValueConverter(Converter[ClaimValue]):
    """A hash or model link, parsed once by the parameter (a feature's own converter: the kernel knows none)."""

    kind = "claim"

    def __init__(self) -> None:
        self.max_length = 500
        self.example = "https://huggingface.co/you/your-model"

    def parse(self, raw: str) -> ClaimValue:
        value = parse_claim_value(raw)
        if value is None:
            raise BadValue(
                N_("{value} is not a SHA-256, an AutoV2 hash or a Hugging Face / Civitai model link."),
                value=repr(clip(raw, 40)),
                hint=N_("For example: /claim https://huggingface.co/you/your-model"),
            )
        return value


CLAIM_VALUE = ClaimValueConverter()


@command(
    "claim",
    N_("Register a file hash or model link as yours; you get a signed receipt"),
    Param("value", N_("A SHA-256 (64 hex), an AutoV2 (10 hex), or a Hugging Face / Civitai model link"), CLAIM_VALUE),
    examples=("/claim 4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c",),
)
async def claim(inv: Invocation, *, value: ClaimValue) -> list[Action]:
    """Claims are first-come evidence, not ownership decisions: a later claim by someone else is recorded too,
    and the moderators see both side by side."""
    prov = _provenance(inv)
    keys = prov.keys if prov else KeyStore()
    release: Release | None = await inv.target_release(None) if inv.reply_to else None
    same = set(await inv.person_accounts())
    with inv.public():  # the evidence lines are shown to the moderators and the earlier creator
        matches = await claim_matches(inv.tx, inv.community_id, [value], same, None)
    try:
        row = await record_claim(
            inv.tx,
            keys,
            community_id=inv.community_id,
            community_slug=inv.community.slug,
            account=inv.account,
            value=value,
            release=release,
            announcement_id=None,
            source="command",
            now=inv.now,
        )
    except KeyProblem as exc:
        raise BadArgument(
            _("I can't sign receipts right now ({problem}); ask an operator.").format(problem=exc)
        ) from None
    if row is None:
        raise AlreadyDone(
            _("You already claimed {value}.").format(value=value.label),
            hint=_("normbot claim receipt <value> prints it."),
        )
    inv.services.stats["claims_recorded"] += 1
    receipt = json.dumps(row.receipt, sort_keys=True, separators=(",", ":"))
    fields = ((_("Claim"), f"C{row.id} {value.label}"), (_("Audit log"), f"#{row.audit_seq}"))
    note = ""
    if matches:
        first = min((c for m in matches.values() for c in m.earlier_claims), key=lambda c: (c.created_at, c.id))
        note = "\n" + _("Note: {claim} claimed this earlier; the moderators will see both claims.").format(
            claim=f"C{first.id}"
        )
    actions: list[Action] = [
        Reply(
            Card(_("Claim recorded"), _("Your signed receipt (keep it):") + f"\n{receipt}{note}", fields),
            ephemeral=True,
        )
    ]
    for m in matches.values():
        with inv.public():  # the moderators' chat
            actions.extend(
                alert_actions(
                    m,
                    later=release,
                    later_account=inv.account,
                    later_claims=[f"C{row.id} {value.kind}"],
                    now=inv.now,
                    mod_chats=_mod_chats(inv),
                )
            )
    return actions


def _mod_chats(inv: Invocation) -> list[Any]:
    from moderation.kernel.community import chats_for

    return chats_for(inv.community, "mod", "review", "releases")


@command("provenance", N_("A release's ancestors and descendants, as a tree"), RELEASE_OPT)
async def provenance(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Lineage is public: anyone may see what a model descends from and who credits it."""
    target = await inv.target_release(release)
    index = await LineageIndex.load(inv.tx, inv.community_id)
    claims = await inv.tx.claims.of_release(target.id)
    fields: tuple[tuple[str, str], ...] = ()
    if claims:
        fields = ((_("Claims"), ", ".join(f"C{c.id} {c.kind.replace('_', '-')}" for c in claims[:6])),)
    return [
        Reply(
            Card(
                _("Lineage of {ref}: {title}").format(ref=release_ref(target), title=title_of(target)),
                render_tree(index, target.id),
                fields,
            ),
            ephemeral=True,
        ),
    ]


async def _recount_after_link(inv: Invocation) -> list[Action]:
    """Quorum counts people: once two accounts are one person, an endorsed release this person created or
    endorsed may no longer have its quorum (two endorsements became one, or an endorser is now the creator).
    Such a release goes back to review, is audited, and its prompts show the new count."""
    actions: list[Action] = []
    for release in await inv.tx.endorsements.endorsed_releases_of_people(await inv.person_accounts()):
        slug = inv.services.directory.slug_of(release.community_id)
        config = inv.services.communities.get(slug) if slug else None
        if config is None:
            continue
        pack = await inv.services.packs.current(inv.tx, config, release.community_id)
        await inv.tx.releases.lock(release)
        reached, count, quorum = await quorum_reached(inv.tx, release, pack)
        if reached or not await set_status(inv.tx, release, "in_review", inv.now):
            continue
        await inv.tx.audit_log.append(
            release.community_id,
            actor="normbot",
            action="release.quorum_lost",
            subject=release_ref(release),
            payload={"endorsements": count, "quorum": quorum, "why": "accounts linked"},
            at=inv.now,
        )
        with inv.public():
            actions.extend(await refresh_prompts(inv.tx, release, pack, phrasing=inv.services.phrasing))
    return actions


async def _member(inv: Invocation, who: str | None) -> Account:
    if not who:
        return inv.account
    m = _MENTION.fullmatch(who.strip())
    if m is not None:
        found = await inv.tx.accounts.by_user(inv.chat.platform, m.group(1))
    else:
        found = await inv.tx.accounts.by_name(inv.chat.platform, who.strip().lstrip("@"))
    if found is None:
        raise NotFound(_("I don't know a member called {name} here.").format(name=repr(clip(who, 40))))
    return found


@command(
    "profile",
    N_("Someone's releases, credits, endorsements and reviews (yours without a name)"),
    Param("member", N_("@name of the member"), Word(100), required=False),
)
async def profile(inv: Invocation, *, member: str | None) -> list[Action]:
    """Reputation is shown as numbers people can read, not a single score."""
    account = await _member(inv, member)
    prov = _provenance(inv)
    half_life = prov.half_life if prov else DEFAULT_HALF_LIFE
    p = await profile_of(inv.tx, account, inv.community_id, inv.now, half_life)
    return [Reply(profile_card(p, half_life), ephemeral=True)]


@command(
    "link",
    N_("Link your accounts on two platforms: run /link here, then /link <code> on the other platform"),
    Param("code", N_("The code /link gave you on your other account"), Word(32), required=False),
)
async def link(inv: Invocation, *, code: str | None) -> list[Action]:
    """A one-time code proves control of both accounts; afterwards claims and reputation follow the person."""
    code = (code or "").strip().upper()
    prov = _provenance(inv)
    ttl = prov.link_code_ttl if prov else DEFAULT_LINK_TTL
    if not code:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(8))
        await inv.tx.accounts.create_link_code(inv.account.id, code, inv.now + ttl)
        minutes = round(ttl.total_seconds() / 60)
        # A private message, never the chat: on Telegram an "ephemeral" reply would be seen by the whole group,
        # and whoever uses the code gets linked to this account.
        return [
            DirectMessage(
                inv.actor.platform,
                inv.actor.user_id,
                Card(
                    _("Your link code"),
                    _(
                        "{code}\nOn your other account, send: /link {code}\nIt works once and expires in {minutes} "
                        "minutes. Don't share it: whoever uses it is linked to you."
                    ).format(code=code, minutes=minutes),
                ),
            ),
            Reply(
                Card(
                    _("Check your private messages"),
                    _("I sent you a one-time link code (open a DM with me if it's not there)."),
                ),
                ephemeral=True,
            ),
        ]
    first = await inv.tx.accounts.redeem_link_code(code, inv.account.id, inv.now)
    if first is None:
        raise BadArgument(_("That code is unknown, expired, already used, or your own."), hint=_("Run /link again."))
    await inv.audit(
        "identity.linked",
        f"person:{first.person_id}",
        {"accounts": [f"{first.platform}:{first.user_id}", inv.actor_ref]},
    )
    actions: list[Action] = await _recount_after_link(inv)
    return [
        *actions,
        Reply(
            Card(
                _("Accounts linked"),
                _(
                    "This account and {account} are now one person: claims, 'your own release' checks and "
                    "reputation follow you on both."
                ).format(account=f"{first.platform}:{clip(first.display_name, 40)}"),
            ),
            ephemeral=True,
        ),
    ]
