"""Core actions: what the core asks adapters to show.

Text in actions is *plain text*: adapters escape it for their markup and send it with mentions disabled,
so a release name like `@everyone **x**` is shown, never executed. Cards are rendered as a Discord embed,
Telegram HTML or console text; buttons as Discord components or Telegram inline keyboards.

Invisible control characters (bidi overrides, NUL, other C0/C1 controls) are replaced by a visible code such
as `[U+202E]` when a card, form or button is built (`moderation.kernel.visible`), so no adapter, present or future,
can pass them on raw: this is the one place every piece of text the core shows goes through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import current_locale
from moderation.kernel.visible import visible

__all__ = [
    "Action",
    "Button",
    "Card",
    "Choice",
    "Delete",
    "DirectMessage",
    "Edit",
    "Form",
    "FormField",
    "OpenForm",
    "OpenSettings",
    "Reply",
    "Send",
    "SettingField",
    "SettingsForm",
]


@dataclass(frozen=True, slots=True)
class Button:
    """A button; `payload` is a versioned id of at most 64 bytes (Telegram's callback-data limit)."""

    label: str
    payload: str
    style: str = "secondary"

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", visible(self.label))


@dataclass(frozen=True, slots=True)
class Card:
    """A titled block of text with named fields; `status` picks the colour where a platform has colours.

    `locale` is the language the card was written in (the one in force when it was built,
    `moderation.kernel.i18n`): the core checks it against the audience of the action that carries it."""

    title: str
    body: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    status: str | None = None
    footer: str | None = None
    locale: str = field(default_factory=current_locale, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", visible(self.title))
        object.__setattr__(self, "body", visible(self.body))
        object.__setattr__(self, "fields", tuple((visible(n), visible(v)) for n, v in self.fields))
        if self.footer is not None:
            object.__setattr__(self, "footer", visible(self.footer))

    def as_text(self) -> str:
        """The plain-text rendering every platform can fall back to."""
        parts = [self.title]
        parts.extend(f"{name}: {value}" for name, value in self.fields)
        if self.body:
            parts.append(self.body)
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Send:
    """Post a new message in a chat.

    `key` names the message (for example `prompt:12`) so that later `Edit` actions can update it in place;
    the adapter reports the posted message id back with a `Posted` event. `thread_title` asks the adapter to
    open a thread for it where the platform has threads; `thread_intro` is then posted first in the thread
    and reported under `thread_key`, which is how the core later knows that commands typed in that thread are
    about this message's release.
    """

    chat: ChatRef
    card: Card
    buttons: tuple[Button, ...] = ()
    reply_to: str | None = None
    key: str | None = None
    thread_title: str | None = None
    thread_intro: Card | None = None
    thread_key: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace a message the bot posted earlier (found through its key)."""

    chat: ChatRef
    message_id: str
    card: Card
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete a member's message (optional enforcement: the announcement of a removed release).

    The adapter reports what the platform said with a `DeleteReported` event: deleted, already gone (counts
    as done), or refused for want of a permission, which the core turns into one card for the moderators
    rather than a log line nobody reads. `release_id` is what the message announced (for the audit)."""

    chat: ChatRef
    message_id: str
    release_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer the event being handled. `ephemeral` replies are seen only by the actor where the platform can
    (a Discord ephemeral response, a Telegram callback toast) and are otherwise shown in the chat.

    `private` replies are for the actor alone, never for the chat: their own flags and data, a moderator's
    queue, the long help. A platform without ephemeral messages delivers them in a private chat with the bot
    and leaves at most a one-line pointer in the group (Telegram); where it can, it shows them ephemerally.
    """

    card: Card
    ephemeral: bool = False
    buttons: tuple[Button, ...] = ()
    private: bool = False

    @property
    def only_for_actor(self) -> bool:
        """Seen by the actor alone where the platform can show it so (ephemeral, or private)."""
        return self.ephemeral or self.private


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A private message to one account (the creator nudge, a re-upload alert); adapters fall back to a
    reply in the chat when the platform refuses the DM."""

    platform: str
    user_id: str
    card: Card
    fallback_chat: ChatRef | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a choice field: the `value` the command receives (a norm id, `yes`) and the `label` a
    person reads (the norm's title, "Yes"). `hint` is a short second line where the platform shows one (a
    Discord select option's description). A `pinned` choice is offered on every page when a platform pages
    the options (the flag form's "Other"), so paging never hides the way out."""

    value: str
    label: str
    hint: str = ""
    pinned: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", visible(self.label))
        object.__setattr__(self, "hint", visible(self.hint))


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form: free text, or a choice among `choices` (plain strings are taken as choices whose
    label is their value). Fields are asked in order; adapters show choices as selects or keyboards and text
    as a modal input or a reply, and each label whole (a question is never cut to fit an input label)."""

    name: str
    label: str
    choices: tuple[Choice, ...] = ()
    required: bool = True
    long: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", visible(self.label))
        object.__setattr__(
            self, "choices", tuple(c if isinstance(c, Choice) else Choice(str(c), str(c)) for c in self.choices)
        )

    @property
    def values(self) -> tuple[str, ...]:
        """The choices' values, in order."""
        return tuple(c.value for c in self.choices)

    def choice(self, value: str) -> Choice | None:
        """The choice with this value (None for a value the field does not offer)."""
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True, slots=True)
class Form:
    """A form the actor fills in; its answers come back as the command `command` (see `moderation.kernel.forms` for
    how answers become the command's options, and for the progress payload adapters keep between steps)."""

    command: str
    title: str
    release_ref: str
    fields: tuple[FormField, ...]
    locale: str = field(default_factory=current_locale, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", visible(self.title))

    @property
    def digest(self) -> str:
        """Six hex digits naming the form's shape (its fields and choice values, in order). A multi-step
        form's progress carries it, so answers given by position are refused, not misread, when the form
        changed between two steps (the community's norms were edited meanwhile)."""
        shape = "\x1f".join(f"{f.name}={','.join(f.values)}" for f in self.fields)
        return hashlib.sha256(f"{self.command}\x1e{shape}".encode()).hexdigest()[:6]

    @property
    def choice_fields(self) -> tuple[FormField, ...]:
        """The fields answered by picking a choice, in order."""
        return tuple(f for f in self.fields if f.choices)

    @property
    def text_fields(self) -> tuple[FormField, ...]:
        """The fields answered with free text, in order."""
        return tuple(f for f in self.fields if not f.choices)


@dataclass(frozen=True, slots=True)
class OpenForm:
    """Ask the actor to fill a form, for the actor alone: on Discord an ephemeral message with selects for
    the choice fields, then a modal for the text fields; on Telegram, in the member's private chat, inline
    keyboards for the choices and replies for the text. Every answer goes back through the form's command,
    so the core checks permissions and input exactly as for a typed command."""

    form: Form


@dataclass(frozen=True, slots=True)
class SettingField:
    """One setting of a community as `/setup` shows it: `kind` says how a platform lets people pick it (a
    `chat` of the platform, platform `roles`, or one of `choices`); `values` is what is in force now (chat
    ids, role ids or names, the choice's value), `shown` the same as a person reads it, `source` where it
    came from. For a chat, `choices` are the community's chats the platform cannot list itself (Telegram
    groups the bot was added to), by name."""

    key: str
    label: str
    kind: str
    values: tuple[str, ...]
    shown: str
    source: str
    choices: tuple[Choice, ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", visible(self.label))
        object.__setattr__(self, "shown", visible(self.shown))
        object.__setattr__(self, "source", visible(self.source))


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """A community's settings as a form (`moderation.setup`): each field changed alone, through the form's
    command (`/setup <key> <value>`), so a select on Discord, a button on Telegram and a typed line in the
    console are checked by the core alike. `note` says what the last change did; `invite` is a one-time
    token just minted for adding a chat as `invite_role` (Telegram turns it into a `startgroup` link)."""

    command: str
    title: str
    fields: tuple[SettingField, ...]
    note: str = ""
    invite: str | None = None
    invite_role: str = ""
    locale: str = field(default_factory=current_locale, compare=False)
    """The language the form was written in: the adapters write their own words around it (buttons, hints)
    in the same language."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", visible(self.title))
        object.__setattr__(self, "note", visible(self.note))

    def field(self, key: str) -> SettingField | None:
        """The field named `key` (None for a key the form does not have: a forged interaction)."""
        return next((f for f in self.fields if f.key == key), None)

    def card(self) -> Card:
        """The form as plain text (the console, and every platform's heading)."""
        rows = tuple((f.label, f"{f.shown} ({f.source})") for f in self.fields)
        return Card(self.title, self.note, rows)


@dataclass(frozen=True, slots=True)
class OpenSettings:
    """Show (or, answering a change, refresh) a settings form, for the actor alone: Discord an ephemeral
    message with channel, role and string selects; Telegram an inline-keyboard dialogue in the private chat;
    the console the settings and the lines to type."""

    form: SettingsForm


Action = Send | Edit | Delete | Reply | DirectMessage | OpenForm | OpenSettings
