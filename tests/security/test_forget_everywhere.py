"""forget-me, walked surface by surface: after `/forget-me confirm` the member's name and e-mail are nowhere.

A member (platform id 7001, shown as "Jane Doe") puts their name and e-mail in an announcement, a license
they set with `/release edit`, a review note, a flag reason, an endorsement note, a flag decision, an appeal
and an appeal decision, and holds claim receipts. After forget-me the test reads every text column of every
table (generically, from the SQLAlchemy metadata), `normbot export`, every registry page and API response
(public and the moderators'), `normbot claim receipt`, and the captured logs; and the audit chain still
verifies (`normbot audit verify`).
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import JSON, String, Text, select
from typer.testing import CliRunner

from bot.cli import _load_areas, app
from bot.web import create_app
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import CommunityConfig
from moderation.kernel.events import Actor
from moderation.provenance import KeyStore, Provenance, canonical
from moderation.provenance.receipts import sign_receipt
from storage import Claim, Store
from storage.models import Base
from tests.core.harness import GOOD, Chat, community, reply_text

NAME = "Jane Doe"
EMAIL = "jane.doe@example.org"
# The name in any spelling a store or a normaliser may give it (Jane Doe, jane-doe, JANE_DOE, jane.doe), and
# the e-mail's domain (the address in any case).
LEAK = re.compile(r"jane[\W_]*doe|example\.org", re.IGNORECASE)
SHA = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
LINK = "https://huggingface.co/velvetlab/velvet-hour"
OWN_LINK = "https://huggingface.co/velvetlab/velvet-hour-xl"
JANE_TEXT = (
    f"Releasing Velvet Hour v1, a LoRA for SDXL 1.0, made by {NAME} (questions: {EMAIL}). Trigger: `velvethr`. "
    f"License: openrail++. NSFW: no. {LINK} SHA256: {SHA}"
)
TOKEN = "mod-token-for-the-forget-me-walk"


class People(Chat):
    """The harness chat, with platform ids apart from display names (as on Discord and Telegram)."""

    IDS = {"jane": ("7001", NAME)}

    def actor(self, name: str, *, admin: bool = False, roles: Sequence[str] = ()) -> Actor:
        user_id, shown = self.IDS.get(name, (name, name))
        return Actor(self.platform, user_id, shown, is_admin=admin, roles=frozenset(roles))


def _community() -> CommunityConfig:
    # Jane is a moderator too, so she also decides a flag (a note in the audit log).
    base = community("forge", moderators=("mia", "7001"), reviewers=("7001", "rex"))
    return replace(base, web_token=TOKEN)


@pytest.fixture
async def people(store: Store, tmp_path: Path) -> People:
    keys, clock = KeyStore(tmp_path / "keys"), ManualClock()
    core = await build_core(
        store, [_community()], clock=clock, rules_only=True, migrate=False, hooks=Provenance(keys=keys)
    )
    return People(core, clock)


def cli(*args: str) -> tuple[int, str]:
    """A `normbot` command in a worker thread (it runs its own event loop), with stdout and stderr."""
    _load_areas()
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


async def _leaks_in_store(store: Store) -> list[str]:
    """`table.column: value` for every text or JSON value of every table that mentions the member."""
    found = []
    async with store.transaction() as tx:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in (await tx.s.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    text = json.dumps(value) if isinstance(value, dict | list) else str(value or "")
                    if LEAK.search(text):
                        found.append(f"{table.name}.{column.name}: {text[:120]}")
    return found


async def _jane_busy(people: People) -> None:
    """Jane announces, edits her license, reviews, flags, endorses, decides a flag and claims a link."""
    await people.say("ada", GOOD)  # R1, someone else's
    await people.say("jane", JANE_TEXT)  # R2, hers (the link and hash are claimed on announcing)
    edit = reply_text(await people.cmd("jane", f"/release edit R2 license CC-BY-4.0 {NAME} {EMAIL}"))
    assert "R2" in edit, edit
    await people.cmd("jane", f"/review R1 harm-real-person-consent=no Reviewed by {NAME}, write to {EMAIL}")
    await people.cmd("jane", f"/flag R1 credit-base-model {NAME} here: base not credited, mail {EMAIL}")
    await people.cmd("jane", f"/endorse R1 nice one from {NAME}")
    await people.cmd("bo", "/flag R1 own-no-reupload looks like a re-upload")
    await people.cmd("jane", f"/resolve F2 dismissed checked by {NAME} ({EMAIL})")
    assert "Claim recorded" in reply_text(await people.cmd("jane", f"/claim {OWN_LINK}"))
    # Appeals: Jane appeals an upheld flag on her release, and as a moderator denies someone else's appeal.
    await people.cmd("bo", "/flag R2 credit-base-model no base named")
    await people.cmd("mia", "/resolve F3 upheld no base named")
    appealed = reply_text(await people.cmd("jane", f"/appeal R2 {NAME} here ({EMAIL}): the base is named"))
    assert "Appeal A1 recorded" in appealed, appealed
    await people.cmd("mia", "/status R1 removed spam")
    await people.cmd("ada", "/appeal R1 not spam")
    denied = reply_text(await people.cmd("jane", f"/deny A2 decided by {NAME}, write to {EMAIL}"))
    assert "A2 denied" in denied, denied


async def _walk_registry(store: Store) -> dict[str, str]:
    """Every registry page and API response, public and the moderators' (with the token)."""
    urls = ["/", "/c/forge", "/c/forge/norms", "/r/1", "/r/2", "/api/v1/communities"]
    urls += ["/api/v1/communities/forge/releases", "/api/v1/releases/1", "/api/v1/releases/2"]
    mod = ["/c/forge/mod/queue", "/c/forge/mod/audit"]
    bodies = {}
    transport = httpx.ASGITransport(app=create_app(store, [_community()]))
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        for url in urls:
            response = await client.get(url)
            assert response.status_code == 200, url
            bodies[url] = response.text
        for url in mod:
            response = await client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200, url
            bodies[url] = response.text
    return bodies


async def test_forget_me_leaves_the_name_and_e_mail_nowhere(
    people: People, store: Store, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await _jane_busy(people)
    before = await _leaks_in_store(store)
    # The scenario put the name and e-mail where the issue found them: announcement, edited license, audit.
    for where in (
        "announcements.text",
        "releases.text",
        "releases.fields_json",
        "audit_events.payload",
        "appeals.text",
        "appeals.decision_note",
    ):
        assert any(line.startswith(where) for line in before), (where, before)
    assert any(NAME in b for b in (await _walk_registry(store)).values())

    answer = reply_text(await people.cmd("jane", "/forget-me confirm"))
    assert "Forgotten" in answer, answer

    # 1. The store: every text and JSON column of every table.
    assert await _leaks_in_store(store) == []
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() == []
        release = await tx.releases.get(1, 2)
        assert release is not None
        assert release.fields_json["license"] == "[redacted]" and release.model_name == "Velvet Hour"
        assert release.text == "[redacted]" and release.status != "removed"

    # 2. `normbot export` (JSON lines and CSV) and `normbot audit verify`.
    for fmt in ("jsonl", "csv"):
        code, out = await asyncio.to_thread(cli, "export", "--db", db_url, "--format", fmt)
        assert code == 0 and "Velvet Hour" in out, out
        assert not LEAK.search(out), out
    code, out = await asyncio.to_thread(cli, "audit", "verify", "--db", db_url)
    assert code == 0, out

    # 3. The registry: pages and the JSON API, public and the moderators'.
    for url, body in (await _walk_registry(store)).items():
        assert not LEAK.search(body), (url, LEAK.search(body))

    # 4. `normbot claim receipt` for each claimed value; the receipts still verify.
    for value in (LINK, SHA, OWN_LINK):
        code, receipt = await asyncio.to_thread(cli, "claim", "receipt", value, "--db", db_url)
        assert code == 0 and '"claim"' in receipt, receipt
        assert not LEAK.search(receipt), receipt
        path = tmp_path / "receipt.json"
        path.write_text(receipt, encoding="ascii")
        key = KeyStore(tmp_path / "keys").public_b64()
        code, out = await asyncio.to_thread(cli, "claim", "verify", str(path), "--key", key)
        assert code == 0 and out.startswith("valid"), out

    # 5. The logs of the whole story.
    assert caplog.records
    assert not LEAK.search(caplog.text), LEAK.search(caplog.text)


async def test_a_receipt_signed_with_the_name_is_reissued_without_it(
    people: People, store: Store, db_url: str, tmp_path: Path
) -> None:
    """A receipt from before receipts dropped display names is re-signed without the name: same claim, same
    audit reference, still valid with the community key."""
    await people.cmd("jane", f"/claim {OWN_LINK}")
    keys = KeyStore(tmp_path / "keys")
    async with store.transaction() as tx:
        claim = (await tx.s.execute(select(Claim))).scalar_one()
        assert claim.receipt is not None and "name" not in claim.receipt["creator"]
        body = {k: v for k, v in claim.receipt.items() if k not in ("signature", "key_id", "type")}
        legacy = sign_receipt({**body, "creator": {**body["creator"], "name": NAME}}, keys)
        await tx.claims.set_receipts([(claim.id, int(claim.audit_seq or 0), legacy)])
    code, out = await asyncio.to_thread(cli, "claim", "receipt", OWN_LINK, "--db", db_url)
    assert NAME in out

    answer = reply_text(await people.cmd("jane", "/forget-me confirm"))
    assert "re-issued 1 claim receipt" in answer, answer
    code, out = await asyncio.to_thread(cli, "claim", "receipt", OWN_LINK, "--db", db_url)
    assert code == 0 and NAME not in out
    reissued = json.loads(out)
    assert reissued["audit"] == legacy["audit"] and reissued["claim"] == legacy["claim"]
    assert reissued["creator"] == {"account": "console:7001", "person": legacy["creator"]["person"]}
    path = tmp_path / "r.json"
    path.write_bytes(canonical(reissued) + b"\n")
    code, out = await asyncio.to_thread(cli, "claim", "verify", str(path), "--key", keys.public_b64())
    assert code == 0, out
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() == []
