"""`normbot.toml`: one file maps communities to norm packs, chats and roles; secrets come from the environment.

Read once in `main()`, validated with pydantic, and turned into the core's `CommunityConfig`s. Errors name
the file and the setting (`normbot.toml: communities.0.slug: Field required`). Tokens are `Secret`s whose
repr is masked, so a settings object can be logged without leaking them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from moderation.kernel.community import ChatBinding, CommunityConfig
from storage.store import DEFAULT_MAX_UNITS

__all__ = ["ConfigError", "ListenError", "Secret", "Settings", "load_settings"]

DEFAULT_CONFIG = Path("normbot.toml")


class ConfigError(Exception):
    """A configuration problem, worded for the operator (names the file and the setting)."""


class ListenError(ConfigError):
    """An address normbot was told to listen on is taken or not allowed (the CLI's exit 4, not 2)."""


class Secret:
    """A string that never shows itself in repr, str or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The secret value (pass it to the library that needs it, nowhere else)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatSettings(_Model):
    platform: Literal["discord", "telegram", "console"]
    chat_id: str
    role: Literal["releases", "review", "mod", "log"] = "releases"

    @field_validator("chat_id", mode="before")
    @classmethod
    def _text_id(cls, v: object) -> str:
        return str(v)


class CommunitySettings(_Model):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str
    norms: str = "baseline"
    owners: list[str] = []
    moderators: list[str] = []
    reviewers: list[str] = []
    moderator_roles: list[str] = []
    reviewer_roles: list[str] = []
    spaces: list[str] = []
    chats: list[ChatSettings] = []
    web_token_env: str | None = None
    # The detector's score at which a message counts as a release in this community (default: the
    # detector's own threshold). Lower finds more announcements and more false ones; see docs/detection.md.
    detect_threshold: float | None = None
    # The community's language (replies, prompts); `/setup language` overrides it from chat.
    language: str = "en"
    # Optional enforcement: when a release is removed (or a block flag upheld), delete its announcements and
    # tell the creator why. Off by default; `/setup enforcement on` overrides it from chat.
    enforcement: bool = False

    @field_validator("language")
    @classmethod
    def _language_known(cls, v: str) -> str:
        from moderation.kernel.i18n import LANGUAGES

        if v not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {v!r}")
        return v

    @field_validator("detect_threshold")
    @classmethod
    def _threshold_in_range(cls, v: float | None) -> float | None:
        if v is not None and not 0.0 < v < 1.0:
            raise ValueError(f"detect_threshold must be between 0 and 1 (exclusive), for example 0.6; got {v}")
        return v


class StoreSettings(_Model):
    url: str | None = None
    # Units of work in flight per process on PostgreSQL (storage.store.DEFAULT_MAX_UNITS, measured in
    # docs/performance.md); raise it for a database with long round trips. SQLite always runs one at a time.
    max_units: int = Field(default=DEFAULT_MAX_UNITS, ge=1, le=200)


class DiscordSettings(_Model):
    api_base: str | None = None
    gateway_url: str | None = None
    sharded: bool = False


class TelegramSettings(_Model):
    base_url: str | None = None
    base_file_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    admin_cache_seconds: int = 300
    poll_timeout: int = Field(default=25, ge=1, le=50)  # long-poll seconds (getUpdates `timeout`)


class HealthSettings(_Model):
    listen: str | None = None


class WebSettings(_Model):
    # The registry's public address (https://registry.example.org): the mod log links each release's page.
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")


class LogSettings(_Model):
    format: Literal["text", "json"] = "text"
    level: str = "INFO"


class Settings(_Model):
    """The whole configuration file."""

    store: StoreSettings = StoreSettings()
    discord: DiscordSettings = DiscordSettings()
    telegram: TelegramSettings = TelegramSettings()
    health: HealthSettings = HealthSettings()
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    communities: list[CommunitySettings] = []
    source: str = "<defaults>"

    def database_url(self) -> str | None:
        """`NORMBOT_DATABASE_URL` wins over the file (so secrets in URLs can stay out of it)."""
        return os.environ.get("NORMBOT_DATABASE_URL") or self.store.url

    def health_listen(self) -> str | None:
        """`NORMBOT_HEALTH_LISTEN` (containers) wins over `[health] listen`."""
        return os.environ.get("NORMBOT_HEALTH_LISTEN") or self.health.listen

    def discord_token(self) -> Secret | None:
        """From `DISCORD_TOKEN` only."""
        value = os.environ.get("DISCORD_TOKEN", "").strip()
        return Secret(value) if value else None

    def telegram_token(self) -> Secret | None:
        """From `TELEGRAM_TOKEN` only."""
        value = os.environ.get("TELEGRAM_TOKEN", "").strip()
        return Secret(value) if value else None

    def core_communities(self) -> list[CommunityConfig]:
        """The core's view of the communities."""
        out = []
        for c in self.communities:
            spaces = set()
            for s in c.spaces:
                platform, _, space = s.partition(":")
                if not space:
                    raise ConfigError(f"{self.source}: communities.{c.slug}.spaces: {s!r} should be platform:id")
                spaces.add((platform, space))
            token = os.environ.get(c.web_token_env, "") if c.web_token_env else ""
            out.append(
                CommunityConfig(
                    slug=c.slug,
                    name=c.name,
                    norms=c.norms,
                    owners=frozenset(_ident(x) for x in c.owners),
                    moderators=frozenset(_ident(x) for x in c.moderators),
                    reviewers=frozenset(_ident(x) for x in c.reviewers),
                    moderator_roles=frozenset(x.lower() for x in c.moderator_roles),
                    reviewer_roles=frozenset(x.lower() for x in c.reviewer_roles),
                    chats=tuple(ChatBinding(ch.platform, ch.chat_id, ch.role) for ch in c.chats),
                    spaces=frozenset(spaces),
                    web_token=token or None,
                    detect_threshold=c.detect_threshold,
                    language=c.language,
                    enforcement=c.enforcement,
                    registry_url=self.web.url,
                )
            )
        return out


def _ident(value: str) -> str:
    platform, _, ident = value.partition(":")
    return f"{platform.lower()}:{ident.lower() if ident.startswith('@') else ident}"


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Read and validate the config file; a missing default file gives the defaults unless `required`."""
    path = path or Path(os.environ.get("NORMBOT_CONFIG", DEFAULT_CONFIG))
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: file not found (create one with `normbot init`)")
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    try:
        settings = Settings.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f"{path}: {loc}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
    slugs = [c.slug for c in settings.communities]
    dupes = {s for s in slugs if slugs.count(s) > 1}
    if dupes:
        raise ConfigError(f"{path}: communities: slug {sorted(dupes)[0]!r} is used twice")
    return settings
