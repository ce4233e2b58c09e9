"""A synthetic multi-community stream: communities, members, chat, announcements, endorsements, flags.

The events are the ones the console adapter builds (`platform="console"`, see `bot.console.session`), handed
straight to `Core.handle`; the console's transcript rendering is left out because it is not part of the
bot's cost on a real platform. Everything is seeded, so two runs replay the same stream.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.kernel.events import Actor, ChatRef, CommandInvoked, MessagePosted

__all__ = [
    "PLATFORM",
    "Planned",
    "Stream",
    "announcement_text",
    "communities",
    "endorse_event",
    "flag_event",
    "releases_chat",
]

PLATFORM = "console"
DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "releases.jsonl"

_OPENERS = ["lol", "ok", "tbh", "ngl", "honestly", "wait", "yeah", "hmm", ""]
_BODIES = [
    "that render is so good",
    "my gpu is melting",
    "who's up for the weekly challenge",
    "gm everyone",
    "thanks for the help earlier",
    "same here",
    "that's hilarious",
    "the server is lagging again",
    "nice colors on that one",
    "can't wait for the event",
    "rip my sleep schedule",
    "agree 100%",
    "the hands are cursed lmao",
    "is it friday yet",
    "I need a bigger monitor",
    "what sampler do you use?",
]
_TYPES = ["LoRA", "checkpoint", "merge", "LoRA", "LoRA"]
_BASES = ["SDXL 1.0", "Flux.1 D", "Pony Diffusion V6 XL", "SD 1.5"]
_LICENSES = ["openrail++", "apache-2.0", "CreativeML Open RAIL-M", "MIT"]


def communities(n: int, *, prefix: str = "c") -> list[CommunityConfig]:
    """`n` communities, each with a releases chat, a review chat and a moderators' chat on the console."""
    out = []
    for i in range(n):
        slug = f"{prefix}{i:04d}"
        out.append(
            CommunityConfig(
                slug=slug,
                name=f"Community {i}",
                moderators=frozenset({f"{PLATFORM}:mod-{slug}"}),
                chats=(
                    ChatBinding(PLATFORM, f"{slug}-releases", "releases"),
                    ChatBinding(PLATFORM, f"{slug}-review", "review"),
                    ChatBinding(PLATFORM, f"{slug}-mods", "mod"),
                ),
            )
        )
    return out


def releases_chat(slug: str) -> ChatRef:
    """The watched chat of a community built by `communities`."""
    return ChatRef(PLATFORM, f"{slug}-releases", space_id=slug)


def announcement_text(rng: random.Random, name: str) -> str:
    """A complete announcement (type, base, license, link, hash) for a model called `name`."""
    digest = "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return (
        f"Releasing {name} v{rng.randint(1, 9)}, a {rng.choice(_TYPES)} for {rng.choice(_BASES)}. "
        f"Trigger: `{name.lower()}`. License: {rng.choice(_LICENSES)}. NSFW: no. "
        f"https://huggingface.co/maker/{name.lower()} SHA256: {digest}"
    )


def _hard_negatives() -> list[str]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [str(r["text"]) for r in rows if not r["is_release"]]


@dataclass(frozen=True, slots=True)
class Planned:
    """One message of the stream; `announcement` says whether we *wrote* it as one."""

    event: MessagePosted
    announcement: bool


class Stream:
    """An endless, seeded stream of messages over the given communities (round-robin-free: random picks)."""

    def __init__(
        self,
        slugs: list[str],
        *,
        share: float = 0.02,
        on_topic: float = 0.10,
        members: int = 2_000,
        seed: int = 7,
        run: str = "r",
    ) -> None:
        self.slugs = slugs
        self.share = share
        self.on_topic = on_topic
        self.members = members
        self.rng = random.Random(seed)
        self.run = run
        self._ids = itertools.count(1)
        self._negatives = _hard_negatives()

    def __iter__(self) -> Iterator[Planned]:
        return self

    def __next__(self) -> Planned:
        i = next(self._ids)
        slug = self.rng.choice(self.slugs)
        rng = self.rng
        x = rng.random()
        user = f"m{rng.randrange(self.members)}"
        if x < self.share:
            text, ann = announcement_text(rng, f"Model{self.run}x{i}"), True
        elif x < self.share + (1 - self.share) * self.on_topic:
            text, ann = rng.choice(self._negatives), False
        else:
            text, ann = f"{rng.choice(_OPENERS)} {rng.choice(_BODIES)}".strip(), False
        mid = f"{self.run}.m{i}"
        chat = releases_chat(slug)
        ev = MessagePosted(f"{chat.chat_id}:{mid}", chat, mid, Actor(PLATFORM, user, user), text)
        return Planned(ev, ann)


def endorse_event(slug: str, member: str, release_id: int, event_id: str) -> CommandInvoked:
    """`/endorse R<id>` typed by `member` in the community's releases chat."""
    return CommandInvoked(event_id, releases_chat(slug), Actor(PLATFORM, member, member), "endorse", f"R{release_id}")


def flag_event(slug: str, member: str, release_id: int, event_id: str) -> CommandInvoked:
    """`/flag R<id> credit-base-model …` typed by `member`."""
    return CommandInvoked(
        event_id,
        releases_chat(slug),
        Actor(PLATFORM, member, member),
        "flag",
        f"R{release_id} credit-base-model the base model named is not the one used",
    )
