"""The shared store: SQLAlchemy models, the unit of work, migrations. The only package that speaks SQL."""

from storage import corrections as corrections
from storage import privacy as privacy
from storage import provenance as provenance
from storage import registry as registry
from storage.audit import ChainProblem, personal, readable
from storage.engine import create_engine, default_url, normalise_url, redact_url, sqlite_file
from storage.models import (
    Account,
    Announcement,
    AuditEvent,
    Claim,
    Community,
    DetectionCorrection,
    Endorsement,
    Flag,
    NormCheck,
    NormPackRevision,
    NormRecheck,
    NormResult,
    PostedMessage,
    Release,
    Review,
    ReviewAnswer,
    ScheduledJob,
    WatchedChat,
)
from storage.store import Store, StoreUnavailable
from storage.tx import Tx
from storage.tx_releases import ResultRow
from storage.tx_settings import InviteRow, SettingRow

__all__ = [
    "Account",
    "Announcement",
    "AuditEvent",
    "ChainProblem",
    "Claim",
    "Community",
    "DetectionCorrection",
    "Endorsement",
    "Flag",
    "InviteRow",
    "NormCheck",
    "NormPackRevision",
    "NormRecheck",
    "NormResult",
    "PostedMessage",
    "Release",
    "ResultRow",
    "Review",
    "ReviewAnswer",
    "ScheduledJob",
    "SettingRow",
    "Store",
    "StoreUnavailable",
    "Tx",
    "WatchedChat",
    "create_engine",
    "default_url",
    "normalise_url",
    "personal",
    "readable",
    "redact_url",
    "sqlite_file",
]
