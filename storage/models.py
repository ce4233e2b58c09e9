"""Typed SQLAlchemy models of the shared store.

Invariants live in constraints, not in code paths: one endorsement per account per release, one flag per
account per release per norm, one announcement per (platform, chat, message), one processed platform event
per id. Platform ids are text (Discord snowflakes and Telegram ids are 64-bit; Telegram chat ids are
negative). Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Account",
    "Announcement",
    "AnnouncementVector",
    "Appeal",
    "AuditEvent",
    "AuditHead",
    "Base",
    "ChatInvite",
    "Claim",
    "Community",
    "CommunitySetting",
    "DetectionCorrection",
    "Endorsement",
    "Flag",
    "LinkCode",
    "NormCheck",
    "NormPackRevision",
    "NormRecheck",
    "NormResult",
    "OutboxAction",
    "Person",
    "PostedMessage",
    "ProcessedEvent",
    "Release",
    "Review",
    "ReviewAnswer",
    "ScheduledJob",
    "WatchedChat",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (so SQLite keeps its rowid alias and autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Community(Base):
    """One Discord guild, Telegram group, or named set of chats, with its norm pack."""

    __tablename__ = "communities"
    __table_args__ = (CheckConstraint("origin IS NULL OR origin = 'demo'", name="origin_known"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Who made the row when it was not the config or a chat: 'demo' marks the community `normbot demo`
    # created, the only one it may delete again without asking (it never deletes what it did not create).
    origin: Mapped[str | None] = mapped_column(String(16), default=None)


class WatchedChat(Base):
    """A chat (channel, group, topic parent) that belongs to a community; `watch` marks it as watched."""

    __tablename__ = "watched_chats"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    watched: Mapped[bool] = mapped_column(default=True)
    role: Mapped[str] = mapped_column(String(16), default="releases")  # releases | review | mod | log
    # The chat's name when the platform told us (a Telegram group added through an invite link): `/setup`
    # offers chats by name, so nobody has to read a chat id.
    title: Mapped[str | None] = mapped_column(String(200), default=None)


SETTING_KEYS = (
    "review_chat",
    "mod_chat",
    "log_chat",
    "reviewer_roles",
    "quorum",
    "review_window",
    "language",
    "enforcement",
)
CHAT_SETTING_KEYS = ("review_chat", "mod_chat", "log_chat")
LANGUAGES = ("en", "zh", "ja", "ru", "es")
MAX_QUORUM = 50
MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS = 3600, 30 * 86400


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class CommunitySetting(Base):
    """One setting a moderator changed from chat (`/setup`), overriding `normbot.toml` and the norm pack.

    One row per (community, key, platform): chats are per platform (a community's Discord review channel and
    its Telegram review group are two settings), the others are community-wide (`platform = ''`). Who set it
    and when are kept beside the value so `normbot config show` can say where a value came from; the audit
    chain has the history (`community.setting_changed`). The invariants the core checks are also constraints
    here, so a value no chat could enter (a quorum of 0) cannot be written by any other path either.
    """

    __tablename__ = "community_settings"
    __table_args__ = (
        UniqueConstraint("community_id", "key", "platform"),
        CheckConstraint(f"key IN ({_in(SETTING_KEYS)})", name="key_known"),
        CheckConstraint(
            f"(key IN ({_in(CHAT_SETTING_KEYS)}) AND platform <> '') "
            f"OR (key NOT IN ({_in(CHAT_SETTING_KEYS)}) AND platform = '')",
            name="platform_only_for_chats",
        ),
        CheckConstraint(
            f"key <> 'quorum' OR (value_int IS NOT NULL AND value_int >= 1 AND value_int <= {MAX_QUORUM})",
            name="quorum_in_range",
        ),
        CheckConstraint(
            "key <> 'review_window' OR (value_int IS NOT NULL AND "
            f"value_int >= {MIN_WINDOW_SECONDS} AND value_int <= {MAX_WINDOW_SECONDS})",
            name="window_in_range",
        ),
        CheckConstraint(f"key <> 'language' OR value_text IN ({_in(LANGUAGES)})", name="language_known"),
        CheckConstraint(
            f"key NOT IN ({_in(CHAT_SETTING_KEYS)}) OR (value_text IS NOT NULL AND length(value_text) >= 1 "
            "AND length(value_text) <= 64)",
            name="chat_given",
        ),
        CheckConstraint("key <> 'reviewer_roles' OR value_text IS NOT NULL", name="roles_given"),
        CheckConstraint("key <> 'enforcement' OR value_text IN ('on', 'off')", name="enforcement_on_off"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16), default="")
    value_int: Mapped[int | None] = mapped_column(Integer, default=None)
    value_text: Mapped[str | None] = mapped_column(Text, default=None)  # reviewer_roles: a JSON list of strings
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class ChatInvite(Base):
    """A one-time "add this group" link a moderator asked for in `/setup` (Telegram's `startgroup` deep link).

    Only a hash of the token is stored: the token is a bearer credential until it is used. It is good once
    (`used_at`), until `expires_at`, and only for the account that asked for it (`created_by`), so a link
    forwarded to someone else binds nothing.
    """

    __tablename__ = "chat_invites"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        CheckConstraint("role IN ('releases', 'review', 'mod', 'log')", name="role_known"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))  # platform:user_id
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class NormPackRevision(Base):
    """Every norm pack a community adopted, with its source, author and time (for history and rollback)."""

    __tablename__ = "norm_pack_revisions"
    __table_args__ = (UniqueConstraint("community_id", "number"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    pack_id: Mapped[str] = mapped_column(String(100))
    pack_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class NormRecheck(Base):
    """A re-check of a community's open releases after a norm change (`/norms set`, then the button).

    One row per adopted revision, by constraint, so a second press (or a replayed one on another replica)
    finds the row instead of starting a second run. The scheduled job (`norm_recheck`, subject = this id)
    does the work in bounded batches; `after_release_id` (the last release checked) and the counters advance in
    the batch's own unit of work, so a run interrupted by a restart resumes where it stopped and never
    counts or notifies a release twice."""

    __tablename__ = "norm_rechecks"
    __table_args__ = (
        UniqueConstraint("revision_id"),
        CheckConstraint("state IN ('queued','done')", name="state_known"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("norm_pack_revisions.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    after_release_id: Mapped[int] = mapped_column(BigInteger, default=0)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    failing: Mapped[int] = mapped_column(Integer, default=0)
    report_platform: Mapped[str] = mapped_column(String(16))
    report_chat_id: Mapped[str] = mapped_column(String(64))
    report_thread_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Person(Base):
    """A human who may hold accounts on several platforms (linked with a one-time code)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime]


class Account(Base):
    """A platform user. `display_name` is the last name seen, for transcripts and the registry."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    redacted: Mapped[bool] = mapped_column(default=False)


class Release(Base):
    """One version of one model by one creator in one community.

    `release_key` is the normalised (creator person-or-account, model name, version) so that the same release
    cross-posted elsewhere in the community resolves to this row instead of a second one.
    """

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("community_id", "release_key"),
        CheckConstraint(
            "status IN ('announced','in_review','endorsed','changes_requested','flagged','resolved','removed',"
            "'withdrawn')",
            name="status_known",
        ),
        Index("ix_releases_community_status", "community_id", "status", "id"),
        Index("ix_releases_community_newest", "community_id", "id"),
        Index("ix_releases_creator", "creator_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    release_key: Mapped[str] = mapped_column(String(300))
    model_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(60))
    model_type: Mapped[str | None] = mapped_column(String(40))
    base_model: Mapped[str | None] = mapped_column(String(100))
    fields_json: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default="announced")
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"))
    review_due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Announcement(Base):
    """A message that announced a release; a cross-post is a second announcement of the same release."""

    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AnnouncementVector(Base):
    """The sentence embedding of an announcement's text, kept so that a restarted process or another replica
    compares a new announcement with earlier ones without running the model over them again (up to 200 texts
    per community, each a forward pass of the model). `model` names the encoder: a vector of another model, or of
    the same model quantised differently, is not comparable and is simply not used. float16 bytes: half the
    size, and a cosine changes by less than the int8 model's own noise."""

    __tablename__ = "announcement_vectors"
    __table_args__ = (
        CheckConstraint("dim > 0", name="dim_positive"),
        CheckConstraint("length(vector) = 2 * dim", name="vector_is_dim_halves"),
    )
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    model: Mapped[str] = mapped_column(String(100))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class PostedMessage(Base):
    """A message the bot posted under a key (review prompt, moderator alert), so it can be edited in place."""

    __tablename__ = "posted_messages"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "message_id"),
        Index("ix_posted_messages_key", "key"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class NormCheck(Base):
    """One evaluation of a release against one pack version (identified by its digest)."""

    __tablename__ = "norm_checks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(100))
    pack_version: Mapped[str] = mapped_column(String(40))
    pack_digest: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))  # announce | edit | normcheck
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]


class NormResult(Base):
    """The outcome of one norm in one check, with the evidence shown to people."""

    __tablename__ = "norm_results"
    __table_args__ = (
        UniqueConstraint("check_id", "norm_id"),
        CheckConstraint("outcome IN ('pass','fail','needs_review','not_applicable')", name="outcome_known"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("norm_checks.id", ondelete="CASCADE"))
    norm_id: Mapped[str] = mapped_column(String(100))
    need: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")


class Review(Base):
    """One reviewer's checklist for one release (answers can be revised; one row per reviewer)."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("release_id", "reviewer_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewAnswer(Base):
    """The answer to one checklist question."""

    __tablename__ = "review_answers"
    __table_args__ = (
        UniqueConstraint("review_id", "norm_id"),
        CheckConstraint("answer IN ('yes','no','na')", name="answer_known"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    norm_id: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")


class Endorsement(Base):
    """A member's +1; the unique constraint is what makes a second endorsement impossible."""

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("release_id", "account_id"),
        Index("ix_endorsements_account", "account_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # Whether the endorser held a reviewer role when endorsing: quorum may count only those.
    by_reviewer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class Flag(Base):
    """A member's report that a release breaks a norm; a moderator resolves it."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("release_id", "account_id", "norm_id"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("status IN ('open','upheld','dismissed')", name="status_known"),
        Index("ix_flags_release_status", "release_id", "status"),
        Index("ix_flags_account_created", "account_id", "created_at"),
        Index(
            "ix_flags_open_release",
            "release_id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    norm_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    penalised: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class Appeal(Base):
    """A creator's request that moderators look again at one decision on their release: an upheld flag
    (`decision` = `F7`) or the state a moderator or the check left it in (`status:removed`,
    `status:changes_requested`). A moderator grants it (the decision is reversed, docs/lifecycle.md) or
    denies it.

    One *open* appeal per decision (a partial unique index): a second `/appeal` of the same decision while the
    first waits is refused by the store, whichever replica takes it; once decided, the decision may be
    appealed again (rate-limited per person)."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("length(text) > 0", name="text_given"),
        CheckConstraint("status IN ('open','granted','denied')", name="status_known"),
        CheckConstraint("decision LIKE 'F%' OR decision LIKE 'status:%'", name="decision_known"),
        Index(
            "uq_appeals_open_decision",
            "release_id",
            "decision",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_appeals_account_created", "account_id", "created_at"),
        Index("ix_appeals_community_status", "community_id", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    decision: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class OutboxAction(Base):
    """A message a process without chat adapters (the web registry) decided to send: a bot process delivers
    it on its next tick. Claimed by deleting the row (one replica's DELETE matches), so it is sent once."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    action: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Claim(Base):
    """A creator's claim to have published a file hash or link first, with a signed receipt."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "value", "account_id"),
        Index("ix_claims_value", "kind", "value", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"))
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # sha256 | autov2 | link
    value: Mapped[str] = mapped_column(String(500))
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    receipt: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class DetectionCorrection(Base):
    """A labelled example: a moderator or the author said whether one chat message is a release announcement.

    One row per message of a community (`UniqueConstraint`), so marking twice or a replayed platform event
    stores one example, and a later opposite correction updates this row (the audit log keeps the history).
    The text and author are kept as they were when corrected: the row is training data, not a live view.
    """

    __tablename__ = "detection_corrections"
    __table_args__ = (UniqueConstraint("community_id", "platform", "chat_id", "message_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    is_release: Mapped[bool]
    corrected_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    corrected_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that links a second platform account to a person."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]


class HandlePin(Base):
    """Which account a config's `platform:@handle` was resolved to, the first time that handle was seen.

    A handle (a Telegram @username, a Discord username) can be given up and taken by another account; a user
    id cannot. So the config's handle is resolved to an id once and afterwards only that id holds the handle's
    privileges. One row per (platform, handle) is the invariant, kept by the unique constraint: two replicas
    that see the handle at once pin one account.
    """

    __tablename__ = "handle_pins"
    __table_args__ = (UniqueConstraint("platform", "handle"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(64))  # lowercased, without the "@"
    user_id: Mapped[str] = mapped_column(String(64))
    pinned_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Platform events already handled; inserting here in the same transaction makes replays no-ops."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class ScheduledJob(Base):
    """A durable job (review deadline, reminder, escalation, digest).

    The row is the source of truth; APScheduler only wakes replicas up. A replica runs a job after flipping
    `state` from 'pending' to 'running' with a conditional UPDATE: exactly one replica wins.
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "due_at"),
        CheckConstraint("state IN ('pending','running','done','cancelled')", name="state_known"),
        Index("ix_scheduled_jobs_due", "state", "due_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    fired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AuditHead(Base):
    """The tip of one community's audit chain; locking this row serialises appends across replicas."""

    __tablename__ = "audit_heads"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """An append-only, hash-chained record of one state change.

    `hash = sha256(prev_hash + canonical(community, seq, at, actor, action, subject, payload))`, so editing or
    deleting a row breaks every later hash. Redactions (`forget-me`) append an event instead of editing.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("community_id", "seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
