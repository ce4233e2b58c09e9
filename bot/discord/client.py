"""The Discord adapter: a discord.py client that turns gateway events and interactions into core events,
and the core's actions into embeds, buttons, modals, threads and ephemeral replies.

It shares the event loop with the Telegram adapter and the scheduler, so it never calls `client.run`:
`start()` logs in, connects, waits for READY and syncs the slash commands per configured guild, then
returns; `stop()` closes the connection. The API base and gateway URL come from `DiscordSettings` (for a
self-hosted Discord-compatible server, and for the tests' fake); discord.py only offers them as class
attributes, so the adapter sets them and restores them on stop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import ConfigError, DiscordSettings, Secret
from bot.discord import events, forms, render
from bot.discord import setup as setup_view
from bot.discord.commands import build_tree
from bot.discord.outbox import Answering, Outbox, form_instructions
from bot.discord.translator import CatalogTranslator
from bot.discord.views import PAYLOAD_ID, PayloadButton, read_submission
from bot.edits import LatestEdits, flush
from bot.logs import TokenMask
from bot.router import Router, platform_of
from moderation.core import Core
from moderation.kernel import buttons
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
from moderation.kernel.commands import COMMANDS, CommandSpec, Param
from moderation.kernel.errors import BadArgument
from moderation.kernel.events import ButtonPressed, CoreEvent
from moderation.kernel.forms import OPENERS, Progress, answers_of, form_options, missing, start, with_answer
from moderation.kernel.i18n import N_, _, language_of, translate, using
from moderation.kernel.params import AttachmentConverter

__all__ = ["DiscordAdapter"]

log = logging.getLogger("normbot.discord")
INTENTS_HELP = (
    "Discord refused the message-content intent (gateway close 4014, disallowed intents). Enable it in the "
    "Developer Portal: Applications -> your app -> Bot -> Privileged Gateway Intents -> MESSAGE CONTENT "
    "INTENT, save, and start normbot again."
)


async def _send_ephemeral(interaction: discord.Interaction, embed: discord.Embed, view: discord.ui.View) -> None:
    """An ephemeral message with a view, as the interaction's response, or as a followup when it was already
    answered or deferred (Discord allows one response per interaction)."""
    kwargs: dict[str, Any] = {"embed": embed, "view": view, "ephemeral": True, "allowed_mentions": render.NO_MENTIONS}
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class DiscordAdapter:
    """One bot account, serving every guild it is a member of."""

    platform = "discord"

    def __init__(self, core: Core, router: Router, settings: DiscordSettings, token: Secret) -> None:
        self.core = core
        self.router = router
        self.settings = settings
        self._token = token
        self._mask = TokenMask([token.get()])
        self.guild_ready_timeout = 2.0
        self.connect_timeout = 60.0
        self.defer_after = 2.0
        self.client: discord.Client | None = None
        self.tree: app_commands.CommandTree[Any] | None = None
        self.outbox: Outbox | None = None
        self.edits = LatestEdits(self._edit)  # a burst of endorsements edits each prompt once per round trip
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._saved: tuple[str, yarl.URL] | None = None
        self.synced_guilds: list[int] = []
        self._channel_locks: dict[str, asyncio.Lock] = {}
        # Slash commands cannot be replies: a command finds its release in the review thread it is typed in
        # (or its release option), and prompt footers and "Which release?" answers here say so.
        core.set_targeting(self.platform, "thread")

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Logged in, READY and the gateway socket open."""
        client = self.client
        if client is None or client.is_closed() or not client.is_ready():
            return False
        if isinstance(client, discord.AutoShardedClient):
            return bool(client.shards) and all(not s.is_closed() for s in client.shards.values())
        ws = client.ws
        return ws is not None and ws.open

    def _make_client(self) -> discord.Client:
        # normbot never joins voice: don't warn that the voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = True
        kwargs: dict[str, Any] = {
            "intents": intents,
            "allowed_mentions": render.NO_MENTIONS,
            "guild_ready_timeout": self.guild_ready_timeout,
            "chunk_guilds_at_startup": False,
        }
        client = discord.AutoShardedClient(**kwargs) if self.settings.sharded else discord.Client(**kwargs)
        client.normbot_press = self._on_press  # type: ignore[attr-defined]
        client.add_dynamic_items(PayloadButton)
        client.event(self.on_ready)
        client.event(self.on_message)
        client.event(self.on_raw_message_edit)
        client.event(self.on_interaction)
        self.tree = build_tree(client, self)
        self.tree.error(self._on_tree_error)
        return client

    def _point_at_server(self) -> None:
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        if self.settings.api_base:
            Route.BASE = self.settings.api_base.rstrip("/")
        if self.settings.gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)

    async def start(self) -> None:
        """Log in, connect, wait for READY, sync the commands; ConfigError says what is wrong."""
        self._mask.install()
        self._ready.clear()
        self._point_at_server()
        self.client = client = self._make_client()
        self.outbox = Outbox(client, self.core)
        try:
            await client.login(self._token.get())
        except discord.LoginFailure:
            await self.stop()
            raise ConfigError("Discord rejected DISCORD_TOKEN (copy it again from the Developer Portal)") from None
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            base = Route.BASE
            await self.stop()
            raise ConfigError(f"cannot reach the Discord API at {base}: {exc}") from None
        self._task = asyncio.create_task(client.connect(reconnect=True), name="normbot-discord-gateway")
        ready = asyncio.create_task(self._ready.wait())
        done, _pending = await asyncio.wait(
            {self._task, ready}, timeout=self.connect_timeout, return_when="FIRST_COMPLETED"
        )
        if ready not in done:
            ready.cancel()
            problem = self._connect_problem()
            await self.stop()
            raise problem
        self._task.add_done_callback(self._gateway_ended)
        await self._sync_commands()
        assert client.user is not None
        log.info("discord: logged in as %s (%s guilds)", client.user.name, len(client.guilds))

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """After start-up the gateway runs until `stop()`; say loudly if it ends on its own."""
        if task.cancelled() or (self.client is not None and self.client.is_closed() and task.exception() is None):
            return
        problem = self._connect_problem()
        log.error("discord: the gateway connection ended: %s", problem)

    def _connect_problem(self) -> ConfigError:
        task = self._task
        exc = task.exception() if task is not None and task.done() and not task.cancelled() else None
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            return ConfigError(INTENTS_HELP)
        if isinstance(exc, discord.ConnectionClosed) and exc.code == 4004:
            return ConfigError("Discord rejected DISCORD_TOKEN on the gateway (4004 authentication failed)")
        if exc is not None:
            return ConfigError(f"the Discord gateway connection failed: {type(exc).__name__}: {exc}")
        gateway = DiscordWebSocket.DEFAULT_GATEWAY
        return ConfigError(f"no READY from the Discord gateway ({gateway}) within {self.connect_timeout:.0f}s")

    async def _sync_commands(self) -> None:
        """Per configured guild (community `spaces` on discord): instant updates; else globally."""
        assert self.tree is not None
        # Descriptions in every language we have a catalog for (names stay as typed): bot/discord/translator.py.
        await self.tree.set_translator(CatalogTranslator())
        guilds = sorted(
            {
                int(space)
                for community in self.core.communities.values()
                for platform, space in community.spaces
                if platform == self.platform and space.isdigit()
            }
        )
        try:
            if not guilds:
                await self.tree.sync()
            for guild_id in guilds:
                target = discord.Object(guild_id)
                self.tree.copy_global_to(guild=target)
                await self.tree.sync(guild=target)
                self.synced_guilds.append(guild_id)
        except discord.HTTPException as exc:
            log.warning(
                "discord: could not register the slash commands (%s); invite the bot with the "
                "applications.commands scope (see docs/discord.md)",
                exc,
            )

    async def stop(self) -> None:
        """Close the gateway and HTTP session; restore discord.py's URLs; safe to call twice."""
        try:
            await flush(self.edits)
            if self.client is not None and not self.client.is_closed():
                await self.client.close()
            if self._task is not None:
                try:
                    await asyncio.wait_for(self._task, 5)
                except (Exception, asyncio.CancelledError):
                    log.debug("discord: gateway task ended", exc_info=True)
                self._task = None
        finally:
            if self._saved is not None:
                Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
                self._saved = None
            self._mask.uninstall()

    # -- incoming --------------------------------------------------------------------------------------

    async def on_ready(self) -> None:
        """READY (and every later re-IDENTIFY)."""
        self._ready.set()

    async def on_message(self, message: discord.Message) -> None:
        """Every guild message from a person goes to the core, which decides whether it is watched."""
        event = events.message_event(message)
        if event is None:
            return
        # discord.py runs each event in its own task; a lock per channel (FIFO) keeps a channel's messages
        # in gateway order, so a reply is never handled before the announcement it answers.
        lock = self._channel_locks.setdefault(event.chat.thread_id or event.chat.chat_id, asyncio.Lock())
        async with lock:
            actions = await self.core.handle(event)
            await self._render(actions, Answering(event.chat, message=message))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """MESSAGE_UPDATE, cached or not (the raw event: an announcement from before a restart is not in
        discord.py's message cache): a person's edit goes to the core, in its channel's order."""
        event = events.edit_event(payload.message)
        if event is None:
            return
        chat = event.message.chat
        lock = self._channel_locks.setdefault(chat.thread_id or chat.chat_id, asyncio.Lock())
        async with lock:
            actions = await self.core.handle(event)
            await self._render(actions, Answering(chat, message=payload.message))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions go to the core as their form's command; components no registered item
        matches (not `nb1:`) are refused, never left unanswered."""
        custom_id = str(interaction.data.get("custom_id", "")) if interaction.data else ""
        if interaction.type is discord.InteractionType.modal_submit:
            if custom_id.startswith("nbf1:"):
                await self._on_form_step(interaction, custom_id)
            else:
                await self._on_submit(interaction)
            return
        if interaction.type is not discord.InteractionType.component:
            return
        if custom_id.startswith("nbf1:"):
            await self._on_form_step(interaction, custom_id)
            return
        if custom_id.startswith("nbs1:"):
            await self._on_setup_step(interaction, custom_id)
            return
        if PAYLOAD_ID.fullmatch(custom_id) is None:
            answering = Answering(events.chat_ref(interaction.channel, interaction.guild_id), interaction)
            await self._say(answering, N_("Not valid"), N_("This button is not valid any more."))

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]) -> None:
        """A slash command: options as text; a file parameter's attachment is read as text (never more than
        its converter's `max_bytes`) and its option carries the file's name."""
        chat = events.chat_ref(interaction.channel, interaction.guild_id)
        texts: dict[str, str] = {}
        for param in spec.params:
            attachment = values.get(param.name)
            converter = param.converter
            if not isinstance(attachment, discord.Attachment) or not isinstance(converter, AttachmentConverter):
                continue
            problem = None
            if attachment.size > converter.max_bytes:
                problem = converter.too_large(attachment.filename)
            else:
                try:
                    texts[attachment.filename] = (await attachment.read()).decode("utf-8")
                except UnicodeDecodeError:
                    problem = converter.not_text(attachment.filename)
                except discord.HTTPException as exc:
                    problem = f"I could not download {attachment.filename} ({exc.status}); try again."
            if problem is not None:
                await self._say(Answering(chat, interaction), N_("Attachment not read"), problem)
                return
            values[param.name] = attachment.filename
        options = {k: str(v) for k, v in values.items() if v is not None}
        event = events.command_event(interaction, spec.name, options, attachment_texts=texts)
        await self._render(await self._handle(interaction, event), Answering(chat, interaction))

    async def _handle(self, interaction: discord.Interaction, event: CoreEvent) -> list[Action]:
        """The core's answer to an interaction. Discord wants a first response within 3 s: when the core
        takes longer than `defer_after`, the interaction is deferred (a slash command or form shows "thinking"
        to the actor only; a press is acknowledged silently) and the answer follows as a followup. A form can
        then no longer open as a modal; the actor is told which command to type instead."""
        work = asyncio.ensure_future(self.core.handle(event))
        done, _pending = await asyncio.wait({work}, timeout=self.defer_after)
        if not done and not interaction.response.is_done():
            try:
                if interaction.type is discord.InteractionType.component:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException as exc:
                log.warning("discord: deferring interaction %s failed: %s", interaction.id, exc)
        return await work

    async def suggest(self, interaction: discord.Interaction, param: Param, current: str) -> list[tuple[str, str]]:
        """Autocomplete from the core, by the parameter's converter (never raises; an unknown chat gets nothing)."""
        chat = events.chat_ref(interaction.channel, interaction.guild_id)
        return await self.core.suggest(chat, param.converter, current)

    async def message_command(self, interaction: discord.Interaction, message: discord.Message, command: str) -> None:
        """A message context menu: the command runs on that message, as a reply to it would (the core checks
        privilege and finds the release, or takes the message itself for `markrelease`)."""
        replied = events.replied_of(message)
        event = events.command_event(interaction, command, None, reply_to=str(message.id), replied=replied)
        await self._render(await self._handle(interaction, event), Answering(event.chat, interaction))

    async def _on_press(self, interaction: discord.Interaction, payload: str) -> None:
        event = events.button_event(interaction, payload)
        await self._render(await self._handle(interaction, event), Answering(event.chat, interaction))

    async def _on_submit(self, interaction: discord.Interaction) -> None:
        submitted = read_submission(interaction.data)
        if submitted is None:
            answering = Answering(events.chat_ref(interaction.channel, interaction.guild_id), interaction)
            await self._say(answering, N_("Not valid"), N_("This form is not valid any more."))
            return
        event = events.form_event(interaction, *submitted)
        await self._render(await self._handle(interaction, event), Answering(event.chat, interaction))

    # -- forms -----------------------------------------------------------------------------------------

    async def _open_form(self, form: Form, answering: Answering) -> None:
        """A core form: its choices as an ephemeral message with selects (a response, or a followup when the
        interaction was already answered or deferred), or straight the modal when it has only text fields.
        Where neither can be shown, the member is told which command to type."""
        interaction = answering.interaction
        assert self.outbox is not None
        try:
            progress = start(form)
        except BadArgument:
            progress = None
        fits = progress is not None and progress.doing("p999").encode() is not None
        if interaction is None or progress is None or not fits:
            await self.outbox.reply(Reply(form_instructions(form), ephemeral=True), answering)
            return
        if not form.choice_fields:
            if interaction.response.is_done():
                await self.outbox.reply(Reply(form_instructions(form), ephemeral=True), answering)
            else:
                await interaction.response.send_modal(forms.step_modal(form, progress))
            return
        await _send_ephemeral(
            interaction, forms.embed_of(forms.form_card(form, progress)), forms.form_view(form, progress)
        )

    async def _form_again(self, interaction: discord.Interaction, progress: Progress) -> Form | list[Action]:
        """The form as the core shows it now, asked through the button that opens it: the release must
        still take flags or reviews and the actor may still use them. The core's refusal comes back as
        actions to show instead."""
        event = ButtonPressed(
            f"form:{interaction.id}",
            events.chat_ref(interaction.channel, interaction.guild_id),
            events.actor_of(interaction.user, interaction.permissions, interaction.locale),
            buttons.encode(OPENERS[progress.command], progress.release_id),
            str(interaction.message.id) if interaction.message is not None else None,
        )
        actions = await self.core.handle(event)
        for action in actions:
            if isinstance(action, OpenForm) and action.form.command == progress.command:
                return action.form
        return actions

    async def _on_form_step(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A select, a button or the modal of a form (see `bot.discord.forms`). The progress in the custom
        id is parsed strictly and checked against the form the core shows now; anything forged, stale or
        from before a change of the norms is refused with a short message, and nothing is recorded."""
        answering = Answering(events.chat_ref(interaction.channel, interaction.guild_id), interaction)
        try:
            progress = Progress.parse(custom_id)
            found = await self._form_again(interaction, progress)
            if not isinstance(found, Form):
                await self._render(found, answering)
                return
            form = found
            step = progress.step
            if step.startswith("s"):
                progress = self._chosen(interaction, form, progress, step)
                if len(form.choice_fields) == 1:
                    step = "c"
            if step == "m":
                await self._submit_form(interaction, form, progress, answering)
                return
            if step == "c":
                lacking = [f for f in missing(form, answers_of(form, progress)) if f.choices]
                if not lacking:
                    await self._continue(interaction, form, progress, answering)
                    return
                with using(form.locale):
                    note = _("Answer question {n} first.").format(n=form.choice_fields.index(lacking[0]) + 1)
                await self._show_step(interaction, form, progress, note)
                return
            if step.startswith("p") or step.startswith("s"):
                await self._show_step(interaction, form, progress.at_page(progress.page))
                return
            raise BadArgument("This form is not valid any more.")
        except BadArgument as exc:
            await self._say(answering, N_("Not valid"), str(exc))

    @staticmethod
    def _chosen(interaction: discord.Interaction, form: Form, progress: Progress, step: str) -> Progress:
        """The progress with the select's choice recorded (the option's value is its position)."""
        values = interaction.data.get("values") if interaction.data else None
        index = step[1:]
        if not index.isdigit() or int(index) >= len(form.choice_fields) or not isinstance(values, list):
            raise BadArgument("This form is not valid any more.")
        field = form.choice_fields[int(index)]
        if len(values) != 1 or not str(values[0]).isdigit() or int(values[0]) >= len(field.choices):
            raise BadArgument("This form is not valid any more.")
        return with_answer(form, progress, field.name, field.choices[int(values[0])].value)

    async def _show_step(
        self, interaction: discord.Interaction, form: Form, progress: Progress, note: str = ""
    ) -> None:
        """The form's message again, updated in place (another page, an answer shown as chosen)."""
        embed = forms.embed_of(forms.form_card(form, progress, note))
        await interaction.response.edit_message(embed=embed, view=forms.form_view(form, progress))

    async def _continue(
        self, interaction: discord.Interaction, form: Form, progress: Progress, answering: Answering
    ) -> None:
        """Every choice made: the modal for the text fields, or (none) the submission itself."""
        if form.text_fields:
            await interaction.response.send_modal(forms.step_modal(form, progress))
            return
        await self._submit_form(interaction, form, progress, answering)

    async def _submit_form(
        self, interaction: discord.Interaction, form: Form, progress: Progress, answering: Answering
    ) -> None:
        """The answers as the form's command, handled by the core like a typed one."""
        answers = answers_of(form, progress)
        typed = forms.text_values(interaction.data.get("components") if interaction.data else None)
        for field in form.text_fields:
            answers[field.name] = typed.get(field.name, "")
        event = events.command_event(interaction, form.command, form_options(form, answers))
        await self._render(await self._handle(interaction, event), answering)

    # -- /setup (see bot.discord.setup) ------------------------------------------------------------------

    async def _open_settings(self, form: SettingsForm, answering: Answering, page: int = 0) -> None:
        """The settings as an ephemeral message with pickers (a text path gets the settings as a card)."""
        assert self.outbox is not None
        interaction = answering.interaction
        if interaction is None:
            await self.outbox.reply(Reply(form.card(), private=True), answering)
            return
        form = setup_view.permission_note(form, interaction.guild)
        await _send_ephemeral(interaction, setup_view.settings_embed(form, page), setup_view.settings_view(form, page))

    async def _on_setup_step(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A picker or the page button of the settings message: the choice goes to the core as `/setup
        <setting> <value>` (the core checks who and what), and the message is redrawn in place from the form
        the core answers with; a refusal is answered ephemerally and the message left as it was."""
        answering = Answering(events.chat_ref(interaction.channel, interaction.guild_id), interaction)
        parsed = setup_view.parse_id(custom_id)
        values = interaction.data.get("values") if interaction.data else None
        if parsed is None or (parsed[0] == "set" and not isinstance(values, list)):
            await self._say(
                answering, N_("Not valid"), N_("This settings message is not valid any more: send /setup again.")
            )
            return
        kind, what = parsed
        options: dict[str, str] | None = None
        page = int(what) if kind == "page" else setup_view.page_of(what)
        if kind == "set":
            assert isinstance(values, list)
            picked = "roles" if what == "reviewer-roles" else "value"
            options = {"setting": what, "value": setup_view.chosen_value(picked, [str(v) for v in values])}
        actions = await self._handle(interaction, events.command_event(interaction, "setup", options))
        found = [a.form for a in actions if isinstance(a, OpenSettings)]
        rest: list[Action] = [a for a in actions if not isinstance(a, OpenSettings)]
        if found:
            form = setup_view.permission_note(found[-1], interaction.guild)
            embed = setup_view.settings_embed(form, page)
            view = setup_view.settings_view(form, page)
            if interaction.response.is_done():
                await interaction.edit_original_response(embed=embed, view=view)
            else:
                await interaction.response.edit_message(embed=embed, view=view)
        await self._render(rest, answering)

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """A command's options that do not fit its signature (a stale registration, a malformed request) are
        the member's usage problem, not our failure: the core binds them as sent and answers with the
        usage line (after its permission check). Anything else is logged and answered generically."""
        answering = Answering(events.chat_ref(interaction.channel, interaction.guild_id), interaction)
        command = interaction.command
        spec = COMMANDS.get(command.qualified_name) if isinstance(command, app_commands.Command) else None
        if spec is not None and isinstance(
            error, (app_commands.CommandSignatureMismatch, app_commands.TransformerError)
        ):
            log.info("discord: /%s options do not match its signature; answering with its usage", spec.name)
            options = events.raw_options(interaction.data)
            event = events.command_event(interaction, spec.name, options)
            await self._render(await self._handle(interaction, event), answering)
            return
        log.error("discord: command %s failed", getattr(command, "name", "?"), exc_info=error)
        await self._say(answering, N_("Something went wrong"), N_("That failed on my side; nothing was recorded."))

    async def _say(self, answering: Answering, title: str, text: str) -> None:
        """A short ephemeral answer of the adapter's own (refusals that never reach the core), in the member's
        language (the interaction's locale; else the chat's community's): `title` and `text` are catalog
        messages (marked with `N_`) or text already written."""
        interaction = answering.interaction
        language = language_of(str(interaction.locale) if interaction is not None else None)
        with using(language or self.core.language_hint(answering.chat)):
            card = Card(translate(title), translate(text))
        await self._render([Reply(card, ephemeral=True)], answering)

    # -- outgoing --------------------------------------------------------------------------------------

    async def _render(self, actions: list[Action], answering: Answering) -> None:
        """Show what answers this event here; hand actions for other platforms to the router."""
        assert self.outbox is not None
        interaction = answering.interaction
        for action in actions:
            try:
                if isinstance(action, Reply):
                    await self.outbox.reply(action, answering)
                elif isinstance(action, OpenForm):
                    await self._open_form(action.form, answering)
                elif isinstance(action, OpenSettings):
                    await self._open_settings(action.form, answering)
                elif platform_of(action) == self.platform:
                    await self.deliver(action)
            except discord.HTTPException as exc:
                log.warning("discord: showing a %s failed: %s", type(action).__name__, exc)
            except Exception:
                # The core has recorded the change; a rendering bug must not hide the other actions.
                log.exception("discord: showing a %s failed", type(action).__name__)
        await self.router.dispatch(actions, skip_platform=self.platform)
        if interaction is not None and not interaction.response.is_done():
            try:
                if interaction.type is discord.InteractionType.application_command:
                    await interaction.response.send_message("Done.", ephemeral=True)
                else:
                    await interaction.response.defer()
            except discord.HTTPException as exc:
                log.info("discord: acknowledging interaction %s failed: %s", interaction.id, exc)

    async def _edit(self, action: Edit) -> None:
        if self.outbox is None:
            log.warning("discord adapter stopped; dropped an edit of message %s", action.message_id)
            return
        try:
            await self.outbox.edit(action)
        except discord.HTTPException as exc:  # a deleted prompt, lost permissions: the platform said no
            log.warning("discord: editing message %s failed: %s", action.message_id, exc)

    async def deliver(self, action: Action) -> None:
        """Render a Send / Edit / Delete / DirectMessage addressed to Discord (from this or another platform)."""
        if self.outbox is None:
            log.warning("discord adapter not started; dropped a %s", type(action).__name__)
            return
        if isinstance(action, Send):
            await self.outbox.send(action)
        elif isinstance(action, Edit):
            self.edits.submit(action)
        elif isinstance(action, DirectMessage):
            await self.outbox.direct(action)
        elif isinstance(action, Delete):
            report = await self.outbox.delete(action)
            if report is not None:  # the core records it and may answer (the moderators' card)
                await self._deliver_all(await self.core.handle(report))
        else:
            log.warning("discord adapter cannot deliver a %s", type(action).__name__)

    async def _deliver_all(self, actions: list[Action]) -> None:
        """Addressed actions the core answered a report with: ours here, the rest through the router."""
        for action in actions:
            if platform_of(action) == self.platform:
                try:
                    await self.deliver(action)
                except discord.HTTPException as exc:
                    log.warning("discord: showing a %s failed: %s", type(action).__name__, exc)
        await self.router.dispatch(actions, skip_platform=self.platform)
