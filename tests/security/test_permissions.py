"""The permission matrix: every command against every role, with the expected outcome.

Roles: the creator of the release, a plain member, a reviewer, a moderator, a platform admin (Discord Manage
Server / Telegram group admin), a moderator of another community acting here (a member here), and that same
moderator acting from their own community's chat on our ids (which must not be found there).

`test_matrix_covers_every_command` fails when a command is added without a row: decide who may run it first.
Each cell runs on a fresh store and a fresh core (SQLite: permissions are decided in Python, the backend does
not matter; the security tests that touch the store run on both backends), and a refusal must leave the store
unchanged.

Why the scene is built once and copied: building it (an announcement, a flag, a norm-pack upload) was ~85% of
each of the 197 cells' time. The scene is built once per worker through the real core into a SQLite file, and
every cell starts from a byte copy of that file with a new core over it, so no cell can see another's changes.
`test_scene_copy_is_the_scene_built_live` checks that a copy is what building the scene in the cell would give.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.wiring import build_core
from moderation.core import Core
from moderation.kernel.actions import Reply
from moderation.kernel.clock import ManualClock
from moderation.kernel.commands import COMMANDS
from storage import Store
from storage.models import (
    AuditEvent,
    Base,
    CommunitySetting,
    Endorsement,
    Flag,
    NormPackRevision,
    Release,
    WatchedChat,
)
from tests.conftest import sqlite_fresh_copy
from tests.core.harness import GOOD, Chat, community

ROLES = ("creator", "member", "reviewer", "moderator", "admin", "outsider", "foreign")
ALLOWED, REFUSED, NOT_FOUND, NOTHING = "allowed", "refused", "not found", "nothing to do"
PACK = "schema_version: 1\nid: forge\nversion: 1.1.0\nextends: [baseline]\nnorms: []\n"
HASH = "ab" * 32
MISSED = "finally finished Glass Skin v1, been cooking it for weeks, grab it on my page https://example.org/glassskin"

# command -> (line, who may run it). Who: "all", "mods" (moderator + admin), or an explicit dict.
MODS = {"moderator": ALLOWED, "admin": ALLOWED}
OWN = {"creator": ALLOWED, "moderator": ALLOWED, "admin": ALLOWED}  # creator or moderators
NOT_CREATOR = {r: ALLOWED for r in ROLES if r not in ("creator", "foreign")} | {"creator": REFUSED}

# Appeals: the scene has nothing to appeal (R1 is in review, F1 open) and no appeal A1, so who may run them gets
# past the permission check to "nothing to do" / "not found"; everyone else is refused.
DECIDERS = {"moderator": NOT_FOUND, "admin": NOT_FOUND}

TABLE: dict[str, tuple[str, dict[str, str] | str]] = {
    "appeal": ("/appeal R1 please look again", {"creator": NOTHING}),
    "claim": (f"/claim {HASH}", "all"),
    "deny": ("/deny A1 no", DECIDERS),
    "endorse": ("/endorse R1", NOT_CREATOR),
    "export-my-data": ("/export-my-data", "all"),
    "flag": ("/flag R1 own-no-reupload copied from elsewhere", "all"),
    "forget-me": ("/forget-me", "all"),
    "grant": ("/grant A1 fine", DECIDERS),
    "help": ("/help", "all"),
    "link": ("/link", "all"),
    # Reply to a message by ada the detector missed (see `_run`): moderators, or ada herself (its author).
    "markrelease": ("/markrelease", OWN),
    "normcheck": ("/normcheck R1", MODS),
    "notrelease": ("/notrelease R1", OWN),
    "norms history": ("/norms history", MODS),
    "norms rollback": ("/norms rollback 1", MODS),
    "norms set": ("/norms set", MODS),
    "norms simulate": ("/norms simulate", MODS),
    "norms show": ("/norms show", "all"),
    "profile": ("/profile", "all"),
    "provenance": ("/provenance R1", "all"),
    "queue": ("/queue", MODS),
    "release edit": ("/release edit R1 trigger_words neondrm, neon", OWN),
    "release list": ("/release list", "all"),
    "release show": ("/release show R1", "all"),
    "resolve": ("/resolve F1 upheld copied", MODS),
    "review": ("/review R1 harm-real-person-consent=no", NOT_CREATOR),
    "setup": ("/setup quorum 3", MODS),
    "status": ("/status R1 removed spam", MODS),
    "unendorse": ("/unendorse R1", NOT_CREATOR | {"creator": NOTHING}),
    "unwatch": ("/unwatch", MODS),
    "watch": ("/watch", MODS),
    "whyflagged": ("/whyflagged R1", OWN),
}


def expected(command: str, role: str) -> str:
    _, who = TABLE[command]
    if role == "foreign":
        # From their own community: our ids do not exist there; commands without ids act on their community,
        # where they are a moderator (and where revision #1 does not exist either).
        ids = command in ("norms rollback", "grant", "deny")  # revision #1 and appeal A1 are not theirs either
        if any(p.kind in ("release", "flag") for p in COMMANDS[command].params) or ids:
            return NOT_FOUND
        return ALLOWED
    if who == "all":
        return ALLOWED
    assert isinstance(who, dict)
    return who.get(role, REFUSED)


def outcome(actions: list[object]) -> str:
    replies = [a for a in actions if isinstance(a, Reply)]
    titles = {r.card.title for r in replies}
    text = "\n".join(r.card.as_text() for r in replies)
    if "Not allowed" in titles:
        return REFUSED
    if "Can't do that" in titles:
        if "There is no" in text:
            return NOT_FOUND
        if "already" in text or "had not" in text:
            return NOTHING
        return f"error: {text[:120]}"
    if titles & {"Unknown command", "Something went wrong", "Not recorded yet"}:
        return f"error: {text[:120]}"
    return ALLOWED


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def _build_scene(chat: Chat) -> None:
    """R1 by ada with an open flag F1 by bo; a norm-pack revision #1 adopted by mia."""
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/flag R1 credit-base-model no base model named")
    await chat.cmd("mia", "/norms set", attachment_texts={"forge.yaml": PACK})


@pytest.fixture(scope="module")
def scene_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The scene, built once per worker through the real core (the same communities as `core`), as a file."""
    path = tmp_path_factory.mktemp("permission-scene") / "scene.db"
    shutil.copyfile(sqlite_template, path)

    async def _build() -> None:
        store = Store.from_url(f"sqlite+aiosqlite:///{path}")
        clock = ManualClock()
        forge = community("forge", moderators=("mia",), reviewers=("rex",))
        other = community("other", moderators=("oz",), chat="elsewhere")
        core = await build_core(store, [forge, other], clock=clock, rules_only=True, migrate=False)
        await _build_scene(Chat(core, clock))
        assert core.stats["internal_errors"] == 0
        await store.close()

    asyncio.run(_build())
    assert not path.with_name(path.name + "-wal").exists(), "the scene left a WAL behind: copying would lose rows"
    return path


@pytest.fixture
def db_url(sqlite_path: Path, scene_db: Path) -> str:
    """Every cell's store: a fresh copy of the scene (the `core` fixture builds a new core over it)."""
    return sqlite_fresh_copy(scene_db, sqlite_path)


@pytest.fixture
def scene(chat: Chat) -> Chat:
    return chat


async def _snapshot(store: Store) -> tuple[int, ...]:
    async with store.transaction() as tx:
        counts = []
        for model in (AuditEvent, CommunitySetting, Endorsement, Flag, NormPackRevision, Release, WatchedChat):
            counts.append(int((await tx.s.execute(select(func.count()).select_from(model))).scalar_one()))
        statuses = tuple((await tx.s.execute(select(Flag.status).order_by(Flag.id))).scalars())
        release_status = (await tx.s.execute(select(Release.status).where(Release.id == 1))).scalar_one()
    return (*counts, hash(statuses), hash(release_status))


async def _run(scene: Chat, other: Chat, command: str, role: str) -> list[object]:
    line, _ = TABLE[command]
    attach = {"forge.yaml": PACK.replace("1.1.0", "1.2.0")} if command in ("norms set", "norms simulate") else None
    who = {
        "creator": ("ada", False, ()),
        "member": ("cy", False, ()),
        "reviewer": ("rex", False, ()),
        "moderator": ("mia", False, ()),
        "admin": ("pat", True, ()),
        "outsider": ("oz", False, ()),
        "foreign": ("oz", False, ()),
    }[role]
    name, admin, roles = who
    chat = other if role == "foreign" else scene
    if command == "unendorse":
        await chat.cmd(name, "/endorse R1", admin=admin)
    reply_to = None
    if command == "markrelease":  # a casual announcement the rules-only detector misses, in the actor's chat
        reply_to = "missed"
        await chat.say("ada", MISSED, message_id=reply_to)
    return list(await chat.cmd(name, line, admin=admin, roles=roles, attachment_texts=attach, reply_to=reply_to))


async def test_matrix_covers_every_command(core: Core) -> None:
    """Every registered command has a row, and every row is a registered command."""
    assert set(TABLE) == set(COMMANDS), f"missing rows: {sorted(set(COMMANDS) - set(TABLE))}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", sorted(TABLE))
async def test_permission_matrix(scene: Chat, other_chat: Chat, store: Store, command: str, role: str) -> None:
    if command not in COMMANDS:
        pytest.fail(f"/{command} is in the table but not registered")
    want = expected(command, role)
    before = await _snapshot(store)
    got = outcome(await _run(scene, other_chat, command, role))
    assert got == want, f"/{command} as {role}: expected {want}, got {got}"
    if want in (REFUSED, NOT_FOUND) and command != "unendorse":
        assert await _snapshot(store) == before, f"/{command} as {role} was refused but changed the store"
    assert scene.core.stats["internal_errors"] == 0


async def _table_counts(store: Store) -> dict[str, int]:
    async with store.transaction() as tx:
        return {
            t.name: int((await tx.s.execute(select(func.count()).select_from(t))).scalar_one())
            for t in Base.metadata.sorted_tables
        }


async def _facts(store: Store) -> tuple[object, ...]:
    """What the cells depend on: the release, the flag and the adopted pack, as the store has them."""
    async with store.transaction() as tx:
        release = (await tx.s.execute(select(Release.id, Release.status, Release.model_name))).all()
        flags = (await tx.s.execute(select(Flag.id, Flag.status, Flag.norm_id))).all()
        packs = (
            await tx.s.execute(select(NormPackRevision.number, NormPackRevision.pack_version, NormPackRevision.digest))
        ).all()
    return (release, flags, packs)


async def test_scene_copy_is_the_scene_built_live(scene: Chat, tmp_path: Path, sqlite_template: Path) -> None:
    """A cell's copied scene holds what building the scene through the core in the cell would have written,
    and a core built over the copy answers as one that lived through the scene (R1 in review, F1 open)."""
    live_path = tmp_path / "live.db"
    shutil.copyfile(sqlite_template, live_path)
    live_store = Store.from_url(f"sqlite+aiosqlite:///{live_path}")
    try:
        clock = ManualClock()
        forge = community("forge", moderators=("mia",), reviewers=("rex",))
        other = community("other", moderators=("oz",), chat="elsewhere")
        live = Chat(await build_core(live_store, [forge, other], clock=clock, rules_only=True, migrate=False), clock)
        await _build_scene(live)
        copied = scene.core.services.store
        assert await _table_counts(copied) == await _table_counts(live_store)
        assert await _facts(copied) == await _facts(live_store)
        assert (await _facts(copied))[1], "the scene has no flag: the matrix would test nothing"
        for line in ("/release show R1", "/norms show", "/queue"):
            answers = [await c.cmd("mia", line) for c in (scene, live)]
            assert [outcome(a) for a in answers] == [ALLOWED, ALLOWED], line
            texts = ["\n".join(a.card.as_text() for a in got if isinstance(a, Reply)) for got in answers]
            assert texts[0] == texts[1], line
    finally:
        await live_store.close()
