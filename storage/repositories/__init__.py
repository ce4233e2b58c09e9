"""One repository per aggregate, each a small class over the unit of work's session (see `storage.tx.Tx`).

Why repositories per aggregate (docs/architecture.md, "One storage style"): every query of normbot has one
home that says what it is about (`tx.releases.lock`, `tx.flags.resolve`), the shared helpers (the
insert-ignoring INSERT for both dialects, `escape_like`, the audit append) exist once, and a repository that
needs another aggregate names it in its constructor instead of reaching into a mixin's attributes.
"""

from storage.repositories.accounts import Accounts
from storage.repositories.announcements import AnnouncementRef, Announcements
from storage.repositories.appeals import Appeals, Outbox
from storage.repositories.audit_log import AuditLog
from storage.repositories.base import Repository, UnitMemory, escape_like
from storage.repositories.chats import BindingRow, Chats
from storage.repositories.claims import Claims
from storage.repositories.communities import Communities
from storage.repositories.corrections import Correction, Corrections, guess_lang
from storage.repositories.endorsements import Endorsements
from storage.repositories.flags import Flags
from storage.repositories.invites import InviteRow, Invites
from storage.repositories.jobs import Jobs
from storage.repositories.norm_checks import NormChecks, ResultRow
from storage.repositories.pack_revisions import PackRevisions
from storage.repositories.posted import PostedMessages
from storage.repositories.privacy import Privacy, Redaction
from storage.repositories.processed_events import ProcessedEvents
from storage.repositories.rechecks import Rechecks
from storage.repositories.registry import Registry
from storage.repositories.releases import Releases
from storage.repositories.reviews import Reviews
from storage.repositories.settings import SettingRow, Settings

__all__ = [
    "Accounts",
    "AnnouncementRef",
    "Announcements",
    "Appeals",
    "AuditLog",
    "BindingRow",
    "Chats",
    "Claims",
    "Communities",
    "Correction",
    "Corrections",
    "Endorsements",
    "Flags",
    "InviteRow",
    "Invites",
    "Jobs",
    "NormChecks",
    "Outbox",
    "PackRevisions",
    "PostedMessages",
    "Privacy",
    "ProcessedEvents",
    "Rechecks",
    "Redaction",
    "Registry",
    "Releases",
    "Repository",
    "ResultRow",
    "Reviews",
    "SettingRow",
    "Settings",
    "UnitMemory",
    "escape_like",
    "guess_lang",
]
