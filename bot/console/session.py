"""The console adapter: several people in one chat, typed or scripted, rendered as a transcript.

It is a real adapter like Discord's and Telegram's: it turns lines into core events, hands them to the core
and renders the actions it gets back. Script lines are `@name: text`, `@name: /command args`,
`@clock: +25h` (advance the simulated clock; due jobs fire), `# comment`. A message may attach files with
`[attach: name.safetensors]`; `/norms set < path.yaml` attaches a norm file from disk. `@mia: [reply m3]
/markrelease` replies to message m3 (as a Telegram reply or a Discord context menu would): commands then
target that message, and `/markrelease` gets the message itself. Replies show as `mia (m7) ↩ m3:`.
`@ada: [edit m3] new text` is ada editing her message m3 (only its author can, as on the platforms); the
transcript shows `ada ✏️ m3:`. `@ada: [locale ja]` sets the language ada's app is in from then on (as a
Discord interaction or a Telegram update says it): answers for her alone are written in it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from moderation.core import Core
from moderation.kernel.actions import (
    Action,
    Card,
    Delete,
    DirectMessage,
    Edit,
    OpenForm,
    OpenSettings,
    Reply,
    Send,
    SettingsForm,
)
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import (
    Actor,
    Attachment,
    ButtonPressed,
    ChatInvited,
    ChatRef,
    CommandInvoked,
    DeleteReported,
    MessageEdited,
    MessagePosted,
    Posted,
    RepliedMessage,
)
from moderation.kernel.visible import visible

__all__ = ["ConsoleSession", "parse_duration"]

LINE = re.compile(r"^@([A-Za-z0-9_.-]{1,40})\s*:\s?(.*)$")
ATTACH = re.compile(r"\[attach:\s*([^\]]{1,200})\]")
PRESS = re.compile(r"^\[press\s+(.+?)\s+on\s+(m\d+)\]$")
REPLY = re.compile(r"^\[reply\s+(?:to\s+)?(m\d+)\]\s*(.*)$", re.DOTALL)
EDIT = re.compile(r"^\[edit\s+(m\d+)\]\s*(.*)$", re.DOTALL)
LOCALE = re.compile(r"^\[locale\s+([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\]$")
DURATION = re.compile(r"^\+?\s*(\d+)\s*([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
PLATFORM = "console"


def parse_duration(text: str) -> timedelta:
    """`+25h`, `90m`, `2d` -> timedelta; ValueError with a readable message otherwise."""
    m = DURATION.match(text.strip())
    if not m:
        raise ValueError(f"not a duration: {text!r} (try +25h, +90m or +2d)")
    return timedelta(**{UNITS[m.group(2)]: int(m.group(1))})


class ConsoleSession:
    """One console chat (`#releases`) plus a moderators' chat (`#mods`), driven line by line."""

    def __init__(
        self,
        core: Core,
        clock: ManualClock,
        *,
        write: Callable[[str], None] = print,
        chat_id: str = "releases",
        base_dir: Path | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.write = write
        self.chat = ChatRef(PLATFORM, chat_id, space_id="console")
        self.base_dir = base_dir or Path.cwd()
        # Message ids are unique per run so that two scripts replayed into one store never collide; the
        # transcript shows the short form (m3).
        self.run = uuid.uuid4().hex[:6]
        self._next_message = 0
        self._line = 0
        self._buttons: dict[str, dict[str, str]] = {}
        self._said: dict[str, RepliedMessage] = {}  # people's messages, by full id, for replies
        self._bot_said: set[str] = set()  # the bot's messages, by short id
        self._locales: dict[str, str] = {}  # person (lower case) -> their app's language, from `[locale ja]`

    def _new_message_id(self) -> str:
        self._next_message += 1
        return f"{self.run}.m{self._next_message}"

    @staticmethod
    def _short(message_id: str | None) -> str:
        return (message_id or "").rpartition(".")[2]

    def _stamp(self) -> str:
        return self.clock().strftime("%a %H:%M")

    def _actor(self, name: str) -> Actor:
        return Actor(PLATFORM, name.lower(), name, handle=name.lower(), locale=self._locales.get(name.lower()))

    async def feed(self, line: str) -> None:
        """Process one script or typed line."""
        self._line += 1
        raw = line.rstrip("\n")
        if not raw.strip() or raw.lstrip().startswith("#"):
            return
        m = LINE.match(raw.strip())
        if m is None:
            self.write(f"  ! line {self._line}: expected '@name: message', got {raw.strip()[:60]!r}")
            return
        name, text = m.group(1), m.group(2).strip()
        if name.lower() == "clock":
            await self._advance(text)
            return
        locale = LOCALE.match(text)
        if locale is not None:
            self._locales[name.lower()] = locale.group(1)
            self.write(f"[{self._stamp()}] {name} 🌐 {locale.group(1)}")
            return
        press = PRESS.match(text)
        if press is not None:
            await self._press(name, press.group(1), press.group(2))
            return
        edit = EDIT.match(text)
        if edit is not None:
            await self._edit(name, edit.group(1), edit.group(2).strip())
            return
        reply_to: str | None = None
        reply = REPLY.match(text)
        if reply is not None:
            short, text = reply.group(1), reply.group(2).strip()
            reply_to = f"{self.run}.{short}"
            if reply_to not in self._said and short not in self._bot_said:
                self.write(f"  ! line {self._line}: there is no message {short} to reply to")
                return
        message_id = self._new_message_id()
        arrow = f" ↩ {self._short(reply_to)}" if reply_to else ""
        self.write(f"[{self._stamp()}] {name} ({self._short(message_id)}){arrow}: {visible(text)}")
        attachments = tuple(Attachment(a.strip()) for a in ATTACH.findall(text))
        plain = ATTACH.sub("", text).strip()
        self._said[message_id] = RepliedMessage(message_id, self._actor(name), plain, attachments, at=self.clock())
        if text.startswith("/"):
            await self._command(name, text, message_id, reply_to)
        else:
            event = MessagePosted(
                event_id=f"{self.chat.chat_id}:{message_id}",
                chat=self.chat,
                message_id=message_id,
                author=self._actor(name),
                text=plain,
                attachments=attachments,
                reply_to=reply_to,
                at=self.clock(),
            )
            await self._render(await self.core.handle(event))

    async def _edit(self, name: str, short: str, text: str) -> None:
        """`name` edits their message `short`: the core gets a `MessageEdited` with the new wording."""
        message_id = f"{self.run}.{short}"
        said = self._said.get(message_id)
        if said is None or said.author.user_id != self._actor(name).user_id:
            self.write(f"  ! line {self._line}: {name} has no message {short} to edit")
            return
        self.write(f"[{self._stamp()}] {name} ✏️ {short}: {text}")
        attachments = tuple(Attachment(a.strip()) for a in ATTACH.findall(text))
        plain = ATTACH.sub("", text).strip()
        self._said[message_id] = RepliedMessage(message_id, said.author, plain, attachments, at=said.at)
        message = MessagePosted(
            event_id=f"{self.chat.chat_id}:{message_id}",
            chat=self.chat,
            message_id=message_id,
            author=self._actor(name),
            text=plain,
            attachments=attachments,
            at=said.at,
        )
        event = MessageEdited(f"{self.chat.chat_id}:{message_id}:{self._line}", message, self.clock())
        await self._render(await self.core.handle(event))

    async def _advance(self, text: str) -> None:
        try:
            delta = parse_duration(text)
        except ValueError as exc:
            self.write(f"  ! line {self._line}: {exc}")
            return
        self.clock.advance(delta)
        self.write(f"[{self._stamp()}] ⏩ time passes ({text.strip()})")
        await self._render(await self.core.run_due_jobs())

    async def _command(self, name: str, text: str, message_id: str, reply_to: str | None = None) -> None:
        head, _, args = text[1:].partition(" ")
        attachment_texts: dict[str, str] = {}
        if "<" in args:
            args, _, path_text = args.partition("<")
            path = (self.base_dir / path_text.strip()).resolve()
            try:
                attachment_texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                self.write(f"  ! cannot attach {path_text.strip()!r}: {exc.strerror}")
                return
        if head == "start" and args.strip():  # a chat joining through an invite (Telegram's startgroup link)
            invited = ChatInvited(f"{self.chat.chat_id}:{message_id}", self.chat, self._actor(name), args.strip())
            await self._render(await self.core.handle(invited), to=name)
            return
        event = CommandInvoked(
            event_id=f"{self.chat.chat_id}:{message_id}",
            chat=self.chat,
            author=self._actor(name),
            name=head,
            args=args.strip(),
            message_id=message_id,
            attachment_texts=attachment_texts,
            reply_to=reply_to,
            replied=self._said.get(reply_to) if reply_to else None,
        )
        await self._render(await self.core.handle(event), to=name)

    async def _press(self, name: str, label: str, message_id: str) -> None:
        labels = self._buttons.get(f"{self.run}.{message_id}", {})
        # A label of several words may be given whole or by its start ("Re-check" for "Re-check 3 open releases").
        starting = [p for lbl, p in labels.items() if lbl.startswith(label.lower())]
        payload = labels.get(label.lower()) or (starting[0] if len(starting) == 1 else None)
        self.write(f"[{self._stamp()}] {name} presses [{visible(label)}] on {message_id}")
        if payload is None:
            self.write(f"  ! there is no button {label!r} on {message_id}")
            return
        event = ButtonPressed(
            event_id=f"{self.run}:press:{self._line}",
            chat=self.chat,
            author=self._actor(name),
            payload=payload,
            message_id=f"{self.run}.{message_id}",
        )
        await self._render(await self.core.handle(event), to=name)

    async def _render(self, actions: list[Action], to: str | None = None) -> None:
        for action in actions:
            if isinstance(action, Send):
                message_id = self._new_message_id()
                where = "" if action.chat.chat_id == self.chat.chat_id else f" in #{action.chat.chat_id}"
                reply = f" ↩ {self._short(action.reply_to)}" if action.reply_to else ""
                self.write(f"[{self._stamp()}] normbot ({self._short(message_id)}){where}{reply}:")
                self._card(action.card, action.buttons)
                self._bot_said.add(self._short(message_id))
                if action.buttons:
                    self._buttons[message_id] = {b.label.lower(): b.payload for b in action.buttons}
                if action.key:
                    await self.core.handle(Posted(action.key, action.chat, message_id))
            elif isinstance(action, Edit):
                if action.buttons:
                    self._buttons[action.message_id] = {b.label.lower(): b.payload for b in action.buttons}
                summary = "; ".join(f"{k}: {v}" for k, v in action.card.fields[:3])
                self.write(
                    f"           normbot ✎ {self._short(action.message_id)} updated — {summary or action.card.title}"
                )
                changed = next((ln for ln in action.card.body.splitlines() if ln.startswith("✏️")), None)
                if changed:  # a content change: say what changed, as the prompt now does
                    self.write(f"             {changed}")
            elif isinstance(action, Reply):
                who = f" → {to}" if to else ""
                private = " (only you)" if action.only_for_actor else ""
                named = ""
                if action.buttons:  # a reply with buttons (`/norms set`'s re-check) gets an id to press them on
                    message_id = self._new_message_id()
                    named = f" ({self._short(message_id)})"
                    self._bot_said.add(self._short(message_id))
                    self._buttons[message_id] = {b.label.lower(): b.payload for b in action.buttons}
                self.write(f"[{self._stamp()}] normbot{named}{who}{private}:")
                self._card(action.card, action.buttons)
            elif isinstance(action, Delete):
                # The console can always delete: the transcript says so and the core records it, as a
                # platform adapter reports what its platform answered.
                where = "" if action.chat.chat_id == self.chat.chat_id else f" in #{action.chat.chat_id}"
                about = f" (the announcement of R{action.release_id})" if action.release_id else ""
                self.write(f"[{self._stamp()}] normbot 🗑 deleted {self._short(action.message_id)}{where}{about}")
                self._said.pop(action.message_id, None)
                report = DeleteReported(action.chat, action.message_id, "deleted", release_id=action.release_id)
                await self._render(await self.core.handle(report))
            elif isinstance(action, DirectMessage):
                self.write(f"[{self._stamp()}] normbot → DM {action.user_id}:")
                self._card(action.card, ())
            elif isinstance(action, OpenForm):
                form = action.form
                self.write(f"[{self._stamp()}] normbot → {to or 'you'} (form) {form.title}:")
                lines = [f"{f.name}: {' | '.join(f.values[:12]) if f.choices else 'text'}" for f in form.fields]
                example = (
                    " ".join([*(f"{f.name}=<…>" for f in form.choice_fields), "[note]"])
                    if form.command == "review"
                    else "<norm> <reason>"
                )
                self._card(Card(f"Answer with /{form.command} {form.release_ref} {example}", "\n".join(lines)), ())
            elif isinstance(action, OpenSettings):
                self.write(f"[{self._stamp()}] normbot → {to or 'you'} (only you) settings:")
                self._card(self._settings_card(action.form), ())

    @staticmethod
    def _settings_card(form: SettingsForm) -> Card:
        """The settings and, for each, the line that changes it (the console has no selects)."""
        rows = []
        for f in form.fields:
            options = " | ".join(c.value for c in f.choices[:10]) if f.kind == "choice" else ""
            how = {"chat": "here | <chat> | reset", "roles": "<role>, <role> | none | reset"}.get(f.kind, options)
            rows.append((f.label, f"{f.shown} ({f.source}) · /{form.command} {f.key} {how}"))
        body = form.note
        if form.invite:
            body += f"\nIn the chat to add, send: /start {form.invite}"
        return Card(form.title, body.strip(), tuple(rows))

    def _card(self, card: Card, buttons: tuple[object, ...]) -> None:
        for line in card.as_text().splitlines():
            self.write(f"    │ {line}")
        labels = [getattr(b, "label", "") for b in buttons]
        if labels:
            self.write("    │ " + " ".join(f"[{label}]" for label in labels))
