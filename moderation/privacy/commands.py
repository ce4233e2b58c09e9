"""Members' privacy commands: export-my-data (their data as JSON, by DM) and forget-me (redact it).

Both act on every account linked to the member's person, since a person who linked Discord and Telegram is one
member. Forgetting is a redaction, not a deletion (see `storage.privacy`): other people's records keep their
shape, the audit chain stays verifiable, and the redaction itself is an audit event carrying counts only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from moderation.kernel.actions import Action, Card, DirectMessage, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import OneOf
from moderation.provenance import KeyProblem, KeyStore, Provenance
from moderation.provenance.receipts import sign_receipt

__all__ = ["MAX_EXPORT_CHARS", "export_json"]

# A Discord embed description holds 4096 characters and a Telegram message 4096: the JSON must fit one message.
MAX_EXPORT_CHARS = 3500
_LIMITS = (200, 100, 50, 20, 10, 5, 2, 1, 0)


async def export_json(inv: Invocation) -> str:
    """The member's data as compact JSON of at most `MAX_EXPORT_CHARS`; lists are cut newest-first to fit,
    and each says its total so the member sees what was left out."""
    ids = await inv.person_accounts()
    accounts = [a for a in [await inv.tx.accounts.get(i) for i in ids] if a is not None]
    refs = [f"{a.platform}:{a.user_id}" for a in accounts]
    text = ""
    for limit in _LIMITS:
        data = await inv.tx.privacy.export_member(ids, refs, limit=limit)
        data["note"] = _("Newest first; 'total' counts every row. Releases are shared records of the community.")
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= MAX_EXPORT_CHARS:
            return text
    # Even the empty lists do not fit (many long display names): cut the account list too.
    data = {"accounts": len(ids), "note": _("Too much to send in one message; ask a moderator for a full export.")}
    return json.dumps(data)


@command("export-my-data", N_("Get everything normbot stores about you, as JSON, in a direct message"))
async def export_my_data(inv: Invocation) -> list[Action]:
    """Sent by DM with no chat fallback: a member's data must never land in a public channel."""
    text = await export_json(inv)
    await inv.audit("privacy.exported", inv.actor_ref, {"chars": len(text)})
    return [
        DirectMessage(inv.actor.platform, inv.actor.user_id, Card(_("Your data in normbot (JSON)"), text)),
        Reply(
            Card(
                _("Check your private messages"),
                _("I sent you your data in a direct message (open a DM with me if it's not there, then ask again)."),
            ),
            ephemeral=True,
        ),
    ]


async def _reissue_receipts(inv: Invocation, ids: list[int]) -> int:
    """Re-sign the member's claim receipts that carry their display name, without it.

    The receipt keeps its claim, time and place in the audit log (the chained event never held the name), so
    it still verifies with the community key and still proves the same thing. Without a usable key the stored
    receipt is dropped rather than kept with the name: the claim stands, and the member kept their copy.
    """
    hooks = inv.services.hooks
    keys = hooks.keys if isinstance(hooks, Provenance) else KeyStore()
    reissued: list[tuple[int, int, dict[str, Any] | None]] = []
    for claim_id, seq, receipt in await inv.tx.privacy.named_receipts(ids):
        body = {k: v for k, v in receipt.items() if k not in ("signature", "key_id", "type")}
        body["creator"] = {k: v for k, v in dict(receipt["creator"]).items() if k != "name"}
        try:
            reissued.append((claim_id, seq, sign_receipt(body, keys)))
        except KeyProblem:
            reissued.append((claim_id, seq, None))
    await inv.tx.claims.set_receipts(reissued)
    return len(reissued)


@command(
    "forget-me",
    N_("Redact your name and everything you wrote (announcements, edits, reasons, notes); add confirm"),
    Param("confirm", N_("Type confirm to go ahead"), OneOf("confirm"), required=False),
)
async def forget_me(inv: Invocation, *, confirm: str | None) -> list[Action]:
    """Irreversible, so it asks for `confirm` first; what stays is said up front."""
    if confirm != "confirm":
        return [
            Reply(
                Card(
                    _("Forget me?"),
                    _(
                        "This replaces your display name with [redacted] on every linked account, redacts the text "
                        "of your announcements, the field values you set with /release edit, the reasons of flags "
                        "you filed and the notes of your endorsements, reviews and flag decisions (also in the "
                        "audit log, which stays verifiable), re-issues your claim receipts without your name, and "
                        "deletes your link codes. Your releases, endorsements and flags stay as anonymous records. "
                        "Send {forget} confirm to go ahead; {export} first if you want a copy."
                    ).format(forget=inv.ref("forget-me"), export=inv.ref("export-my-data")),
                ),
                ephemeral=True,
                private=True,
            )
        ]
    ids = await inv.person_accounts()
    receipts = await _reissue_receipts(inv, ids)
    done = dataclasses.replace(await inv.tx.privacy.redact_member(ids), receipts=receipts)
    await inv.audit("privacy.forgotten", inv.actor_ref, done.as_payload())
    inv.services.stats["members_forgotten"] += 1
    return [
        Reply(
            Card(
                _("Forgotten"),
                _(
                    "Redacted {accounts} account(s), {announcements} announcement(s), {fields} edited field(s), "
                    "{reasons} flag reason(s), {notes} note(s), {audit} audit detail(s); re-issued {receipts} claim "
                    "receipt(s) without your name; deleted {codes} link code(s)."
                ).format(
                    accounts=done.accounts,
                    announcements=done.announcement_texts,
                    fields=done.edited_fields,
                    reasons=done.flag_reasons + done.appeal_texts,  # an appeal's text is a reason too
                    notes=done.endorsement_notes + done.review_notes + done.resolution_notes + done.appeal_notes,
                    audit=done.audit_values,
                    receipts=receipts,
                    codes=done.link_codes,
                ),
            ),
            ephemeral=True,
            private=True,
        )
    ]
