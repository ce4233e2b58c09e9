"""The Telegram adapter: a python-telegram-bot `Application` that turns updates into core events and the
core's actions into messages, inline keyboards, callback answers and edits.

It shares the event loop with discord.py and the scheduler, so it never calls `run_polling`: `start()`
initialises, registers the command menus and starts polling (or the webhook server) and returns; `stop()`
undoes it in reverse order. Updates are handled one at a time, in order (PTB's default), which keeps a
reply after its announcement.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import CallbackQuery, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import ConfigError, ListenError, Secret, TelegramSettings
from bot.edits import LatestEdits, flush
from bot.logs import TokenMask
from bot.router import Router, platform_of
from bot.telegram import events, render
from bot.telegram.admins import AdminCache
from bot.telegram.commands import register_commands, typed_name
from bot.telegram.files import AttachmentProblem, fetch_text
from bot.telegram.forms import (
    FormSession,
    FormSessions,
    choice_markup,
    parse_step,
    step_html,
    summary_html,
    text_prompt_html,
)
from bot.telegram.outbox import Outbox
from bot.telegram.private import DELIVERED_NOTE, PendingAnswers, deep_link, link_note
from bot.telegram.setup import ROLE_OF, SetupSession, SetupSessions, field_html, field_markup, form_html, form_markup
from bot.telegram.setup import parse_step as parse_setup_step
from moderation.core import Core
from moderation.kernel.actions import (
    Action,
    Card,
    Delete,
    DirectMessage,
    Edit,
    Form,
    OpenForm,
    OpenSettings,
    Reply,
    Send,
    SettingsForm,
)
from moderation.kernel.commands import COMMANDS, resolve_name
from moderation.kernel.errors import UserError
from moderation.kernel.events import Actor, ChatInvited, ChatRef, CommandInvoked, Posted
from moderation.kernel.forms import form_options
from moderation.kernel.i18n import N_, language_of, translate, using
from moderation.kernel.params import AttachmentConverter
from storage import StoreUnavailable

__all__ = ["ALLOWED_UPDATES", "TelegramAdapter"]

log = logging.getLogger("normbot.telegram")
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
POLL_TIMEOUT = 25
MAX_RETRIES = 2  # after a 429 flood-control answer
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 (the variable's name, not a secret)
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,256}")
FORM_EXPIRED = N_("This form is not open any more: press the button on the release again.")
SETUP_EXPIRED = N_("These settings are not open any more: send /setup again (every change was saved).")
STALE_BUTTON = N_("This button is not valid any more.")


def in_language_of(query: object, message: str) -> str:
    """A catalog message (marked with `N_`) in the language of the member who pressed (their app's
    `language_code`; English when Telegram does not say one we speak): the adapter's own toasts."""
    user = getattr(query, "from_user", None)
    with using(language_of(getattr(user, "language_code", None))):
        return translate(message)


NOTE_LIMIT = 500  # a text field that is no parameter of its command (the review's note)


@dataclass(frozen=True, slots=True)
class _Answering:
    """What the actions of one event answer: the chat, the message to reply to, the callback query, and the
    person who acted (`actor_id`: a user the bot could write to privately; None for a group or channel
    posting as itself)."""

    chat: ChatRef
    reply_to: str | None
    query: CallbackQuery | None = None
    actor_id: str | None = None


@dataclass(slots=True)
class _Progress:
    """What one event's rendering has done so far: the callback query answered, the group pointer posted."""

    answered: bool
    pointed: bool = False


class TelegramAdapter:
    """One bot account, serving every community chat it is a member of."""

    platform = "telegram"

    def __init__(self, core: Core, router: Router, settings: TelegramSettings, token: Secret) -> None:
        self.core = core
        self.router = router
        self.settings = settings
        self._mask = TokenMask([token.get()])
        self._mask.install()  # before the builder: PTB logs its URLs (with the token) while building
        self.poll_timeout = settings.poll_timeout or POLL_TIMEOUT
        # PTB's limiter keeps under Telegram's flood limits (30 msg/s overall, 20 msg/min per group) and
        # retries after a 429 `RetryAfter`, so a burst of prompts is delayed rather than lost.
        builder = ApplicationBuilder().token(token.get()).rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        if settings.base_url:
            builder = builder.base_url(settings.base_url)
        if settings.base_file_url:
            builder = builder.base_file_url(settings.base_file_url)
        self.app: Application = builder.build()  # type: ignore[type-arg]
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_message))
        self.app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self._on_edit))
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_error_handler(self._on_error)
        self.admins = AdminCache(self.app.bot.get_chat_administrators, settings.admin_cache_seconds)
        self.outbox = Outbox(self.app.bot, self._migrate)
        self.edits = LatestEdits(self._edit)  # a burst of endorsements edits each prompt once per round trip
        self._migrations: set[tuple[str, str]] = set()
        self.pending = PendingAnswers()  # private answers waiting for their member to open the chat
        self.forms = FormSessions()  # forms in progress in members' private chats (see bot.telegram.forms)
        self.setups = SetupSessions()  # /setup dialogues in moderators' private chats (see bot.telegram.setup)
        core.set_spelling(self.platform, typed_name)  # help and hints say /forget_me, as the menu does
        core.set_targeting(self.platform, "reply")  # commands reply to the announcement or its prompt

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Initialised and receiving updates (polling or webhook)."""
        updater = self.app.updater
        return self.app.running and updater is not None and updater.running

    async def start(self) -> None:
        """Connect, register the command menus, start receiving updates; ConfigError names what is wrong
        (and nothing is left running)."""
        webhook = self._webhook_config() if self.settings.mode == "webhook" else None
        api = self.settings.base_url or "https://api.telegram.org/bot"
        try:
            await self._start(webhook)
        except InvalidToken:
            await self._close()
            raise ConfigError("Telegram rejected TELEGRAM_TOKEN (check it with @BotFather)") from None
        except (NetworkError, BadRequest) as exc:  # TimedOut is a NetworkError; setWebhook refusals are BadRequest
            await self._close()
            raise ConfigError(f"cannot start Telegram via {api}: {exc.message}") from None
        except OSError as exc:
            await self._close()
            where = f"{self.settings.webhook_listen}:{self.settings.webhook_port}"
            raise ListenError(f"cannot listen on {where} for the Telegram webhook: {exc.strerror or exc}") from None
        log.info("telegram: @%s receiving updates by %s", self.app.bot.username, self.settings.mode)

    async def _start(self, webhook: tuple[str, str] | None) -> None:
        await self.app.initialize()
        try:
            await register_commands(self.app.bot)
        except TelegramError as exc:
            log.warning("could not register the Telegram command menus: %s", exc)
        await self.app.start()
        updater = self.app.updater
        assert updater is not None
        if webhook is not None:
            url, secret = webhook
            await updater.start_webhook(
                listen=self.settings.webhook_listen,
                port=self.settings.webhook_port,
                url_path=urlsplit(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            await updater.start_polling(timeout=self.poll_timeout, allowed_updates=list(ALLOWED_UPDATES))

    def _webhook_config(self) -> tuple[str, str]:
        url = self.settings.webhook_url
        if not url or not url.startswith(("https://", "http://")):
            raise ConfigError("telegram.mode is webhook but telegram.webhook_url is not an https:// URL")
        secret = os.environ.get(WEBHOOK_SECRET_ENV, "").strip()
        if not _SECRET_SHAPE.fullmatch(secret):
            raise ConfigError(
                f"telegram.mode is webhook: set {WEBHOOK_SECRET_ENV} to 16-256 characters of A-Z, a-z, 0-9, _ or -"
            )
        self._mask = _also_mask(self._mask, secret)
        return url, secret

    async def stop(self) -> None:
        """Stop receiving, stop the application, close the HTTP pools; safe to call twice."""
        try:
            await flush(self.edits)
            await self._close()
        finally:
            self._mask.uninstall()

    async def _close(self) -> None:
        updater = self.app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    # -- incoming --------------------------------------------------------------------------------------

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        moved = events.migration_of(message)
        if moved is not None:
            await self._migrate(*moved)
            return
        if events.is_from_bot(message):
            return
        chat = events.chat_ref(message)
        command = events.parse_command(events.text_of(message), self.app.bot.username)
        if command is not None and not command.for_me:
            return
        person = message.from_user if message.sender_chat is None else None
        answering = _Answering(chat, str(message.message_id), actor_id=str(person.id) if person else None)
        if command is not None and command.name == "start" and message.chat.type != "private" and command.args.strip():
            # The bot was added through a /setup "add this group" link (`startgroup`): the token goes to the
            # core, which binds the group to the community if the moderator who asked for it added it.
            actor = events.actor_of(message, person, is_admin=False) if person is not None else None
            if actor is not None:
                invited = ChatInvited(
                    f"{chat.chat_id}:{message.message_id}",
                    chat,
                    actor,
                    command.args.split()[0],
                    title=message.chat.title or "",
                )
                await self._render(await self.core.handle(invited), answering)
            return
        if command is not None and command.name == "start" and message.chat.type == "private":
            # Telegram sends /start when someone opens a private chat with the bot (so DMs can reach them),
            # with the token of a deep link when they came for an answer that was waiting for them.
            await self._start_private(command.args, answering, person.language_code if person else None)
            return
        if command is None and message.chat.type == "private" and person is not None:
            waiting = self.forms.awaiting_text(str(person.id))
            if waiting is not None:
                await self._form_text(waiting, message, person)
                return
        if command is None and not events.text_of(message) and message.document is None:
            return  # stickers, photos without captions, service messages: nothing to read
        if command is None:
            actor = events.actor_of(message, message.from_user, is_admin=False)
            if actor is not None:
                await self._render(await self.core.handle(events.message_event(message, actor)), answering)
            return
        actor = await self._actor(message)
        if actor is None:
            return
        texts: dict[str, str] = {}
        wanted = _file_param(command) if message.document is not None else None
        if message.document is not None and wanted is not None:
            try:
                name, text = await fetch_text(self.app.bot, message.document, wanted)
            except AttachmentProblem as exc:
                await self._render([Reply(Card("Attachment not read", str(exc)), ephemeral=True)], answering)
                return
            texts[name] = text
        event = events.command_event(message, actor, command, texts)
        await self._render(await self.core.handle(event), answering)

    async def _on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person edited a message: the core re-reads it (an announcement's release takes the change).
        Edited commands are not run again: a command acts once, when it is sent."""
        message = update.edited_message
        if message is None or events.is_from_bot(message):
            return
        text = events.text_of(message)
        if events.parse_command(text, self.app.bot.username) is not None:
            return
        if not text and message.document is None:
            return
        actor = events.actor_of(message, message.from_user, is_admin=False)
        if actor is None:
            return
        answering = _Answering(events.chat_ref(message), str(message.message_id))
        await self._render(await self.core.handle(events.edit_event(message, actor)), answering)

    async def _actor(self, message: Message) -> Actor | None:
        user = message.from_user
        is_admin = False
        if user is not None and message.chat.type != "private" and message.sender_chat is None:
            is_admin = await self.admins.is_admin(message.chat.id, user.id)
        return events.actor_of(message, user, is_admin=is_admin)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        if isinstance(query.data, str) and query.data.startswith("nbt1:"):
            await self._on_form_step(query)
            return
        if isinstance(query.data, str) and query.data.startswith("nbs1:"):
            await self._on_setup_step(query)
            return
        shown = query.message
        is_admin = False
        if shown is not None and shown.chat.type != "private":
            is_admin = await self.admins.is_admin(shown.chat.id, query.from_user.id)
        actor = events.actor_of(None, query.from_user, is_admin=is_admin)
        event = events.button_event(query, actor) if actor is not None else None
        if event is None or shown is None:
            await query.answer(in_language_of(query, STALE_BUTTON))
            return
        answering = _Answering(event.chat, event.message_id, query, actor_id=str(query.from_user.id))
        await self._render(await self.core.handle(event), answering)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update %s failed", update_id, exc_info=context.error)

    async def _migrate(self, old_chat_id: str, new_chat_id: str) -> None:
        """A group became a supergroup: the core moves the community's data to the new id (once)."""
        if (old_chat_id, new_chat_id) in self._migrations:
            return  # both service messages (old chat, new chat) announce the same move
        try:
            moved = await self.core.migrate_chat(self.platform, old_chat_id, new_chat_id)
        except StoreUnavailable:
            log.error("telegram chat %s -> %s: store unavailable, migration not recorded", old_chat_id, new_chat_id)
            return  # the next ChatMigrated answer or service message tries again
        self._migrations.add((old_chat_id, new_chat_id))
        self.admins.forget(old_chat_id)
        log.info("telegram chat %s migrated to %s (%d rows moved)", old_chat_id, new_chat_id, moved)

    # -- outgoing --------------------------------------------------------------------------------------

    async def _render(self, actions: list[Action], answering: _Answering) -> None:
        """Show what answers this event here; hand actions for other platforms to the router.

        Each action is shown or logged on its own: a failure (the platform's refusal or a bug of ours) is
        logged with the action's kind and the rest still go out, since the core has already recorded the
        change they report."""
        query = answering.query
        progress = _Progress(answered=query is None)
        for action in actions:
            try:
                await self._show(action, answering, progress)
            except TelegramError as exc:
                log.warning("telegram: showing a %s failed: %s", type(action).__name__, exc)
            except Exception as exc:
                log.error(
                    "telegram: showing a %s failed (%s)", type(action).__name__, type(exc).__name__, exc_info=True
                )
        await self.router.dispatch(actions, skip_platform=self.platform)
        if query is not None and not progress.answered:
            try:
                await query.answer()
            except TelegramError as exc:
                log.warning("telegram: answering a callback query failed: %s", exc)

    async def _show(self, action: Action, answering: _Answering, progress: _Progress) -> None:
        query = answering.query
        if isinstance(action, Reply):
            toast = render.toast(action.card) if action.only_for_actor and not progress.answered else None
            if query is not None and toast is not None:
                await query.answer(toast)
                progress.answered = True
                return
            html = render.card_html(action.card)
            markup = render.keyboard(action.buttons)
            if action.private and self._privately_possible(answering):
                await self._privately(html, markup, answering, progress)
                return
            await self.outbox.send(answering.chat, html, markup, reply_to=answering.reply_to)
        elif isinstance(action, OpenForm):
            await self._open_form(action.form, answering, progress)
        elif isinstance(action, OpenSettings):
            await self._open_settings(action.form, answering, progress)
        elif platform_of(action) == self.platform:
            await self.deliver(action)

    # -- forms (see bot.telegram.forms) ------------------------------------------------------------------

    async def _open_form(self, form: Form, answering: _Answering, progress: _Progress) -> None:
        """The form's first step in the member's private chat (or behind a deep link when they never
        started the bot). A group or channel posting as itself has no private chat: it gets the command to
        type, as before."""
        if answering.actor_id is None:
            await self.outbox.send(answering.chat, render.form_html(form, typed_name), reply_to=answering.reply_to)
            return
        session = self.forms.open(answering.actor_id, answering.chat, form)
        current = session.current
        if current is not None and current.choices:
            html, markup = step_html(session), choice_markup(session)
        else:
            html, markup = text_prompt_html(session) if current is not None else summary_html(session), None
        if answering.chat.private:
            await self.outbox.send(answering.chat, html, markup)
            return
        await self._privately(html, markup, answering, progress)

    async def _on_form_step(self, query: CallbackQuery) -> None:
        """A button of a form in progress: a choice (the next step edits the same message), another page,
        or sending without the optional text. Only the member who opened the form can answer it."""
        step = parse_step(str(query.data))
        session = self.forms.get(step[0], str(query.from_user.id)) if step is not None else None
        if step is None or session is None or query.message is None:
            await query.answer(in_language_of(query, FORM_EXPIRED))
            return
        current, op = session.current, step[1]
        shown = ChatRef(self.platform, str(query.message.chat.id), None, private=True)
        message_id = str(query.message.message_id)
        if current is not None and current.choices and op[0] in "cp" and int(op[1:]) < max(len(current.choices), 1):
            if op[0] == "p":
                session.page = int(op[1:])
                await query.answer()
                await self.outbox.edit(shown, message_id, step_html(session), choice_markup(session))
                return
            session.answers[current.name] = current.choices[int(op[1:])].value
            session.advance()
            await query.answer()
            await self._form_next(session, query.from_user, shown, message_id)
            return
        if current is not None and not current.choices and not current.required and op == "s":
            await query.answer()
            while session.current is not None and not session.current.choices and not session.current.required:
                session.advance()
            await self._form_next(session, query.from_user, shown, None)
            return
        await query.answer(in_language_of(query, STALE_BUTTON))

    async def _form_next(self, session: FormSession, user: User, shown: ChatRef, message_id: str | None) -> None:
        """Ask the next field: a choice edits the stepping message; a text field turns it into a summary of
        the choices (with "Send without it" when optional) and asks with a ForceReply; none left: send."""
        current = session.current
        if current is None:
            await self._submit_form(session, user)
            return
        if current.choices:
            html, markup = step_html(session), choice_markup(session)
            if message_id is not None:
                await self.outbox.edit(shown, message_id, html, markup)
            else:
                await self.outbox.private(session.user_id, html, markup)
            return
        skip = None
        if not current.required:
            data = f"nbt1:{session.token}:s"
            skip = InlineKeyboardMarkup([[InlineKeyboardButton("Send without it", callback_data=data)]])
        if message_id is not None and session.form.choice_fields:
            await self.outbox.edit(shown, message_id, summary_html(session), skip)
        elif skip is not None:
            await self.outbox.private(session.user_id, summary_html(session), skip)
        placeholder = current.label if len(current.label) <= 64 else current.label[:63] + "…"
        await self.outbox.private(
            session.user_id, text_prompt_html(session), ForceReply(input_field_placeholder=placeholder)
        )

    async def _form_text(self, session: FormSession, message: Message, user: User) -> None:
        """The member's message answering the text field asked now. Too long or empty: asked again, the form
        kept (nothing lost)."""
        current = session.current
        assert current is not None
        text = events.text_of(message).strip()
        spec = COMMANDS.get(session.form.command)
        param = next((p for p in spec.params if p.name == current.name), None) if spec else None
        limit = param.max_length if param is not None and param.max_length else NOTE_LIMIT
        chat = events.chat_ref(message)
        if not text or len(text) > limit:
            problem = "That message has no text." if not text else f"That is {len(text)} characters; at most {limit}."
            await self.outbox.private(session.user_id, render.escape(f"{problem} Send it again, please."), ForceReply())
            return
        session.answers[current.name] = text
        session.advance()
        await self._form_next(session, user, chat, None)

    async def _submit_form(self, session: FormSession, user: User) -> None:
        """The answers as the form's command, run by the core in the group the form was opened in (with the
        member's standing there); the answer comes to the private chat."""
        self.forms.close(session.token)
        origin = session.origin
        is_admin = False
        if not origin.private and origin.chat_id.lstrip("-").isdigit():
            is_admin = await self.admins.is_admin(int(origin.chat_id), user.id)
        actor = events.actor_of(None, user, is_admin=is_admin)
        assert actor is not None
        event = CommandInvoked(
            event_id=f"form:{session.token}",
            chat=origin,
            author=actor,
            name=session.form.command,
            options=form_options(session.form, session.answers),
        )
        private = ChatRef(self.platform, session.user_id, None, session.user_id, private=True)
        await self._render(await self.core.handle(event), _Answering(private, None, actor_id=session.user_id))

    # -- /setup (see bot.telegram.setup) -----------------------------------------------------------------

    async def _open_settings(self, form: SettingsForm, answering: _Answering, progress: _Progress) -> None:
        """The settings dialogue in the moderator's private chat (the group gets the one-line pointer)."""
        if answering.actor_id is None:  # an anonymous admin posting as the group: no private chat to use
            await self.outbox.send(answering.chat, render.card_html(form.card()), reply_to=answering.reply_to)
            return
        form = await self._permission_note(form, answering.chat)
        session = self.setups.open(answering.actor_id, answering.chat, form)
        html, markup = form_html(form), form_markup(session, self.app.bot.username)
        if answering.chat.private:
            await self.outbox.send(answering.chat, html, markup)
            return
        await self._privately(html, markup, answering, progress)

    async def _on_setup_step(self, query: CallbackQuery) -> None:
        """A button of a /setup dialogue: open a setting, go back, or choose (a value, Reset, Add a group),
        which goes to the core as `/setup <setting> <value>` in the chat /setup was typed in; the message then
        shows the form the core answered with. Only the moderator who opened it can use it."""
        step = parse_setup_step(str(query.data))
        session = self.setups.get(step[0], str(query.from_user.id)) if step is not None else None
        if step is None or session is None or query.message is None:
            await query.answer(in_language_of(query, SETUP_EXPIRED))
            return
        shown = ChatRef(self.platform, str(query.message.chat.id), None, private=True)
        message_id, op, fields = str(query.message.message_id), step[1], session.form.fields
        if op == "b":
            await query.answer()
            await self._show_settings(session, shown, message_id)
            return
        index = int(op[1:].split(".")[0])
        if index >= len(fields):
            await query.answer(in_language_of(query, STALE_BUTTON))
            return
        field = fields[index]
        if op[0] == "o":
            await query.answer()
            await self.outbox.edit(shown, message_id, field_html(session.form, field), field_markup(session, index))
            return
        options = self._setup_options(op, field.key, field.kind, [c.value for c in field.choices])
        if options is None:
            await query.answer(in_language_of(query, STALE_BUTTON))
            return
        await self._setup_change(session, query, options, shown, message_id)

    @staticmethod
    def _setup_options(op: str, key: str, kind: str, values: list[str]) -> dict[str, str] | None:
        """The `/setup` options a choice button stands for (None: a button this setting does not have)."""
        if op[0] == "v" and kind != "roles":
            choice = int(op.split(".")[1])
            return {"setting": key, "value": values[choice]} if choice < len(values) else None
        if op[0] == "r" and kind != "roles":
            return {"setting": key, "value": "reset"}
        if op[0] == "i" and key in ROLE_OF:
            return {"setting": "invite", "value": ROLE_OF[key]}
        return None

    async def _setup_change(
        self, session: SetupSession, query: CallbackQuery, options: dict[str, str], shown: ChatRef, message_id: str
    ) -> None:
        origin, user = session.origin, query.from_user
        is_admin = False
        if not origin.private and origin.chat_id.lstrip("-").isdigit():
            is_admin = await self.admins.is_admin(int(origin.chat_id), user.id)
        actor = events.actor_of(None, user, is_admin=is_admin)
        assert actor is not None
        event = CommandInvoked(f"setup:{query.id}", origin, actor, "setup", options=options)
        actions = await self.core.handle(event)
        forms = [a.form for a in actions if isinstance(a, OpenSettings)]
        rest: list[Action] = [a for a in actions if not isinstance(a, OpenSettings)]
        if forms:
            session.form = await self._permission_note(forms[-1], origin)
            said = N_("Saved.") if options["setting"] != "invite" else N_("Press ➕ to choose the group.")
            await query.answer(in_language_of(query, said))
            await self._show_settings(session, shown, message_id)
        answering = _Answering(shown, None, None if forms else query, actor_id=session.user_id)
        if rest or not forms:
            await self._render(rest, answering)

    async def _permission_note(self, form: SettingsForm, origin: ChatRef) -> SettingsForm:
        """The form with a warning when enforcement is on and the bot may not delete members' messages in
        the group /setup was typed in: one getChatMember of the bot (`Outbox.may_delete`), only while
        enforcement is on. Other groups of the community are not asked; their first refused deletion tells
        the moderators."""
        field = form.field("enforcement")
        if field is None or field.values != ("on",) or origin.private or await self.outbox.may_delete(origin.chat_id):
            return form
        warning = (
            "⚠️ Enforcement is on, but normbot may not delete messages in this group: make it an administrator "
            "with “Delete messages”, or deleting announcements will fail."
        )
        return dataclasses.replace(form, note=f"{form.note}\n{warning}" if form.note else warning)

    async def _show_settings(self, session: SetupSession, shown: ChatRef, message_id: str) -> None:
        markup = form_markup(session, self.app.bot.username)
        await self.outbox.edit(shown, message_id, form_html(session.form), markup)

    @staticmethod
    def _privately_possible(answering: _Answering) -> bool:
        """A private answer leaves the group when there is a person to write to; in a private chat it is
        already private, and a group or channel posting as itself (an anonymous admin) has no private chat."""
        return not answering.chat.private and answering.actor_id is not None

    async def _privately(
        self, html: str, markup: InlineKeyboardMarkup | None, answering: _Answering, progress: _Progress
    ) -> None:
        """Deliver an answer meant for the actor alone in their private chat; the group gets one line (or,
        for a button press, the toast) saying where it went. A member who never started the bot cannot be
        written to: the answer waits for them behind a deep link instead."""
        assert answering.actor_id is not None
        query = answering.query
        try:
            await self.outbox.private(answering.actor_id, html, markup)
        except TelegramError as exc:  # "Forbidden: bot can't initiate conversation with a user", blocked, ...
            log.info("telegram: cannot write to user %s privately (%s); offering a deep link", answering.actor_id, exc)
            token = self.pending.add(answering.actor_id, html, markup)
            url = deep_link(self.app.bot.username, token)
            if query is not None and not progress.answered:
                await query.answer(url=url)  # opens the private chat; Start delivers the answer
                progress.answered = True
            else:
                with using(self.core.language_hint(answering.chat)):  # said in the group
                    note = link_note(url)
                await self.outbox.send(answering.chat, note, reply_to=answering.reply_to)
            return
        if query is not None and not progress.answered:
            await query.answer(in_language_of(query, DELIVERED_NOTE))
            progress.answered = True
        elif query is None and not progress.pointed:
            with using(self.core.language_hint(answering.chat)):  # said in the group: the community's language
                note = translate(DELIVERED_NOTE)
            await self.outbox.send(answering.chat, render.escape(note), reply_to=answering.reply_to)
            progress.pointed = True

    async def _start_private(self, args: str, answering: _Answering, language_code: str | None) -> None:
        """`/start` in a private chat: the answer a deep link was waiting to deliver, else the welcome (or the
        note that the answer is gone) in the member's app language (English when Telegram says none we speak:
        a private chat belongs to no community)."""
        token = args.strip()
        waiting = self.pending.take(token, answering.actor_id or "") if token else None
        if waiting is not None:
            await self.outbox.send(answering.chat, waiting.html, waiting.markup)
            return
        with using(language_of(language_code)):
            card = render.expired_card() if token else render.welcome_card()
        await self._render([Reply(card)], answering)

    async def _edit(self, action: Edit) -> None:
        try:
            await self.outbox.edit(
                action.chat, action.message_id, render.card_html(action.card), render.keyboard(action.buttons)
            )
        except TelegramError as exc:  # a deleted prompt, a chat the bot left: the platform said no
            log.warning("telegram: editing message %s failed: %s", action.message_id, exc)

    async def deliver(self, action: Action) -> None:
        """Render a Send / Edit / Delete / DirectMessage addressed to Telegram (from this or another platform)."""
        if isinstance(action, Send):
            posted = await self.outbox.send(
                action.chat, render.card_html(action.card), render.keyboard(action.buttons), reply_to=action.reply_to
            )
            if action.key:
                chat = ChatRef(self.platform, str(posted.chat.id), action.chat.thread_id, str(posted.chat.id))
                await self.core.handle(Posted(action.key, chat, str(posted.message_id)))
        elif isinstance(action, Edit):
            self.edits.submit(action)
        elif isinstance(action, DirectMessage):
            await self.outbox.direct(action.user_id, render.card_html(action.card), action.fallback_chat)
        elif isinstance(action, Delete):
            report = await self.outbox.delete(action)
            if report is not None:  # the core records it and may answer (the moderators' card)
                await self._deliver_all(await self.core.handle(report))
        else:
            log.warning("telegram adapter cannot deliver a %s", type(action).__name__)

    async def _deliver_all(self, actions: list[Action]) -> None:
        """Addressed actions the core answered a report with: ours here, the rest through the router."""
        for action in actions:
            if platform_of(action) == self.platform:
                try:
                    await self.deliver(action)
                except TelegramError as exc:
                    log.warning("telegram: showing a %s failed: %s", type(action).__name__, exc)
        await self.router.dispatch(actions, skip_platform=self.platform)


def _file_param(command: events.ParsedCommand) -> AttachmentConverter | None:
    """The converter of the command's file parameter: only commands that declare one make us download the
    attached document (and no more than it allows); others ignore attachments."""
    try:
        spec, _ = resolve_name(command.name, command.args)
    except UserError:
        return None
    return next((p.converter for p in spec.params if isinstance(p.converter, AttachmentConverter)), None)


def _also_mask(mask: TokenMask, secret: str) -> TokenMask:
    """The webhook secret is masked like the token (PTB logs setWebhook parameters at debug level)."""
    mask.uninstall()
    combined = TokenMask([*mask.secrets, secret])
    combined.install()
    return combined
