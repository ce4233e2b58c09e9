"""Units of the Discord adapter: the pure event functions on real discord.py objects (built from the fake's
payload factories through a real ConnectionState), rendering, the command tree, the token mask."""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest

from bot.discord import events, render
from bot.discord.commands import MESSAGE_MENUS, build_tree
from bot.discord.outbox import form_instructions
from bot.discord.views import read_submission
from bot.logs import TokenMask
from moderation.kernel.actions import Button, Card, Form, FormField
from moderation.kernel.commands import COMMANDS, Param
from moderation.kernel.events import ChatRef
from tests.fakes.discord.payloads import (
    MANAGE_GUILD,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    guild_payload,
    interaction_payload,
    message_payload,
    user_payload,
)

MODS = FakeRole(501, "Moderators", MANAGE_GUILD)
HELPERS = FakeRole(502, "Helpers")
RELEASES = FakeChannel(601, "releases")
THREAD = FakeChannel(602, "Review R1", type=11, parent_id=601)
OWNER = FakeUser(700, "owner")
ALICE = FakeUser(701, "alice_makes")
MIA = FakeUser(702, "mia_mod")
BOT = FakeUser(703, "relay", bot=True)
GUILD = FakeGuild(900, "Makers", OWNER.id, [MODS, HELPERS], [RELEASES, THREAD], {OWNER.id: (), ALICE.id: (HELPERS.id,)})
GUILD.members[MIA.id] = (MODS.id,)
GUILD.members[BOT.id] = ()


class _Host:
    async def run_command(self, interaction: discord.Interaction, spec: object, values: dict[str, object]) -> None:
        return None

    async def suggest(self, interaction: discord.Interaction, param: Param, current: str) -> list[tuple[str, str]]:
        return []

    async def message_command(self, interaction: discord.Interaction, message: discord.Message, command: str) -> None:
        return None


@pytest.fixture
def client() -> discord.Client:
    """A client that never connects; its state holds the guild built from the fake's GUILD_CREATE."""
    import moderation.core  # noqa: F401  (registers the commands)

    intents = discord.Intents.none()
    intents.guilds = intents.members = True  # so the state caches GUILD_CREATE's members
    c = discord.Client(intents=intents)
    c._connection.user = discord.ClientUser(state=c._connection, data=user_payload(FakeUser(1, "normbot", bot=True)))  # type: ignore[arg-type]
    users = {u.id: u for u in (OWNER, ALICE, MIA, BOT)}
    c._connection._add_guild_from_data(guild_payload(GUILD, users))  # type: ignore[arg-type]
    return c


def _guild(client: discord.Client) -> discord.Guild:
    guild = client.get_guild(GUILD.id)
    assert guild is not None
    return guild


def _message(client: discord.Client, author: FakeUser, channel: FakeChannel = RELEASES, **kw: Any) -> discord.Message:
    guild = _guild(client)
    target = guild.get_channel_or_thread(channel.id)
    assert target is not None
    data = message_payload(message_id=1234, channel_id=channel.id, author=author, content="hi", guild=GUILD, **kw)
    return discord.Message(state=client._connection, channel=target, data=data)  # type: ignore[arg-type]


def _interaction(client: discord.Client, user: FakeUser, data: dict[str, object], kind: int = 2) -> discord.Interaction:
    payload = interaction_payload(
        interaction_id=4242,
        application_id=1,
        kind=kind,
        token="tok",
        guild=GUILD,
        channel=RELEASES,
        user=user,
        data=data,
    )
    return discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]


def test_chat_ref_reports_threads_under_their_parent(client: discord.Client) -> None:
    """A thread is (parent channel, thread); a channel has no thread; the guild is the space."""
    guild = _guild(client)
    assert events.chat_ref(guild.get_channel(RELEASES.id), GUILD.id) == ChatRef("discord", "601", None, "900")
    assert events.chat_ref(guild.get_thread(THREAD.id), GUILD.id) == ChatRef("discord", "601", "602", "900")


def test_actor_roles_are_ids_and_names_and_admin_is_manage_server(client: discord.Client) -> None:
    """Moderators (Manage Server) and the owner are admins; a helper is not; @everyone is never a role."""
    guild = _guild(client)
    mia, alice, owner = (guild.get_member(u.id) for u in (MIA, ALICE, OWNER))
    assert mia is not None and alice is not None and owner is not None
    actor = events.actor_of(mia)
    assert (actor.user_id, actor.name, actor.is_admin) == ("702", "mia_mod", True)
    assert actor.roles == frozenset({"501", "Moderators"})
    assert events.actor_of(alice).is_admin is False
    assert events.actor_of(alice).roles == frozenset({"502", "Helpers"})
    assert events.actor_of(owner).is_admin is True


def test_message_event_from_a_person_with_reply_and_attachment(client: discord.Client) -> None:
    """A member's reply becomes MessagePosted with reply_to, the jump URL and the attachment names."""
    attachment = {"id": "77", "filename": "neon.safetensors", "size": 10, "url": "http://x/neon", "proxy_url": "p"}
    event = events.message_event(_message(client, ALICE, reply_to=99, attachments=[attachment]))
    assert event is not None
    assert (event.event_id, event.message_id, event.reply_to, event.text) == ("1234", "1234", "99", "hi")
    assert event.chat == ChatRef("discord", "601", None, "900")
    assert event.url == "https://discord.com/channels/900/601/1234"
    assert [(a.name, a.size) for a in event.attachments] == [("neon.safetensors", 10)]


def test_message_event_ignores_bots_webhooks_and_dms(client: discord.Client) -> None:
    """Bots (including normbot itself) and webhooks are not members announcing releases; DMs are not watched."""
    assert events.message_event(_message(client, BOT)) is None
    assert events.message_event(_message(client, ALICE, webhook_id=5)) is None
    data = message_payload(message_id=9, channel_id=1, author=ALICE, content="hi")
    me = client._connection.user
    assert me is not None
    channel = discord.DMChannel(
        me=me,
        state=client._connection,
        data={"id": "1", "type": 1, "recipients": [], "last_message_id": None, "name": ""},
    )
    assert events.message_event(discord.Message(state=client._connection, channel=channel, data=data)) is None  # type: ignore[arg-type]
    assert events.message_event(_message(client, ALICE, channel=THREAD)) is not None


def test_interaction_events_carry_the_interaction_id_and_member(client: discord.Client) -> None:
    """Slash commands and presses use the interaction id as the event id; the member's roles come along."""
    interaction = _interaction(client, MIA, {"id": "1", "name": "endorse", "type": 1})
    command = events.command_event(interaction, "endorse", {"release": "R1"})
    assert (command.event_id, command.name, command.options) == ("4242", "endorse", {"release": "R1"})
    assert command.author.is_admin and "Moderators" in command.author.roles
    assert command.chat == ChatRef("discord", "601", None, "900")
    press = events.button_event(
        _interaction(client, ALICE, {"custom_id": "nb1:endorse:1", "component_type": 2}, 3), "nb1:endorse:1"
    )
    assert (press.event_id, press.payload, press.author.is_admin) == ("4242", "nb1:endorse:1", False)


def test_form_options_fill_parameters_and_the_free_text_rest() -> None:
    """Flag answers map to its parameters; review answers become `question=answer` words."""
    import moderation.core
    import moderation.handlers  # noqa: F401  (registers every command)

    flag = Form("flag", "Flag R3", "R3", (FormField("norm", "Norm", ("a", "b")), FormField("reason", "Why", long=True)))
    assert events.form_options(flag, {"norm": "a", "reason": " no base "}) == {
        "release": "R3",
        "norm": "a",
        "reason": "no base",
    }
    review = Form(
        "review", "Review R3", "R3", (FormField("q-one", "Q1", ("yes", "no", "na")), FormField("q-two", "Q2"))
    )
    assert events.form_options(review, {"q-one": "yes", "q-two": "na please"}) == {
        "release": "R3",
        "answers": "q-one=yes na please",  # a text field is the note, after the answers
    }
    # A note can never be read as one more answer: its `=` is spaced out.
    assert events.form_options(review, {"q-one": "no", "q-two": "consent=yes"})["answers"] == "q-one=no consent = yes"
    assert events.form_options(review, {"q-one": "", "q-two": ""}) == {"release": "R3"}


def test_escape_neutralises_markdown_and_mentions() -> None:
    """`@everyone`, role pings and markdown reach Discord as literal text."""
    assert (
        render.escape("@everyone **x** <@&123456789012345678>")
        == "@\u200beveryone \\*\\*x\\*\\* <@\u200b&123456789012345678>"
    )
    assert render.escape("a" * 10, 5) == "aaaa…"


def test_card_embed_is_coloured_by_status_and_clipped() -> None:
    """Status picks the colour; titles and fields stay inside Discord's limits."""
    embed = render.card_embed(Card("T" * 300, "body", (("Endorsements", "1/2"),), status="flagged", footer="f"))
    assert embed.colour == discord.Colour.red()
    assert embed.title is not None and len(embed.title) == 256
    assert [(f.name, f.value) for f in embed.fields] == [("Endorsements", "1/2")]
    assert render.card_embed(Card("x")).colour == discord.Colour.blurple()
    assert render.card_embed(Card("x", status="endorsed")).colour == discord.Colour.green()


async def test_buttons_view_carries_payloads_and_is_not_stored() -> None:
    """Custom ids are the payloads; the view is stopped so the client never keeps it per message."""
    view = render.buttons_view((Button("Endorse", "nb1:endorse:1", "success"), Button("Flag", "nb1:flag:1", "danger")))
    assert view is not None and view.is_finished()
    items = [i for i in view.children if isinstance(i, discord.ui.Button)]
    assert [(b.custom_id, b.style) for b in items] == [
        ("nb1:endorse:1", discord.ButtonStyle.success),
        ("nb1:flag:1", discord.ButtonStyle.danger),
    ]
    assert render.buttons_view(()) is None


def test_tree_has_every_command_once(client: discord.Client) -> None:
    """Top-level commands, groups with their subcommands, the attachment option and the context menu."""
    tree = build_tree(client, _Host())
    names = set()
    for command in tree.get_commands():
        if isinstance(command, discord.app_commands.Group):
            names |= {f"{command.name} {sub.name}" for sub in command.commands}
        elif isinstance(command, discord.app_commands.Command):
            names.add(command.name)
    assert names == set(COMMANDS)
    for menu in MESSAGE_MENUS:
        assert tree.get_command(menu, type=discord.AppCommandType.message) is not None
    norms = tree.get_command("norms")
    assert isinstance(norms, discord.app_commands.Group)
    norms_set = norms.get_command("set")
    assert isinstance(norms_set, discord.app_commands.Command)
    assert [(p.name, p.type) for p in norms_set.parameters] == [("file", discord.AppCommandOptionType.attachment)]
    flag = tree.get_command("flag")
    assert isinstance(flag, discord.app_commands.Command)
    assert {p.name: (p.required, p.autocomplete) for p in flag.parameters} == {
        "norm": (True, True),
        "reason": (True, False),
        "release": (False, True),
    }


def test_form_instructions_name_the_command() -> None:
    """Where no modal can open, the member is told which command to type."""
    import moderation.core
    import moderation.handlers  # noqa: F401  (registers every command)

    card = form_instructions(Form("flag", "Flag R3", "R3", (FormField("norm", "Norm", ("a", "b")),)))
    assert card.title == "Flag R3" and "/flag" in card.body and "R3" in card.body
    assert card.fields == (("Norm", "a / b"),)


def test_token_mask_masks_every_record_until_uninstalled(caplog: pytest.LogCaptureFixture) -> None:
    """Records made while installed are masked before any handler; uninstalling restores the factory."""
    token = "MTE5OTk5.GkNwn4.unit-test-token-value"
    before = logging.getLogRecordFactory()
    mask = TokenMask([token])
    mask.install()
    try:
        logging.getLogger("normbot.unit").warning("token=%s", token)
    finally:
        mask.uninstall()
    assert logging.getLogRecordFactory() is before
    logging.getLogger("normbot.unit").warning("after: %s", "plain")
    assert "token=**********" in caplog.text and token not in caplog.text
    assert "after: plain" in caplog.text


async def test_step_modal_asks_only_the_text_fields_and_is_not_kept() -> None:
    """The modal of a form holds its text fields only (the choices were made in selects); its custom id is
    the progress with the choice; a label over 45 characters is written whole as the placeholder."""
    from bot.discord.forms import step_modal
    from moderation.kernel.forms import Progress, start, with_answer

    label = "What is wrong? (moderators see this; your name is not shown publicly)"
    form = Form("flag", "Flag R3", "R3", (FormField("norm", "Norm", ("a", "b")), FormField("reason", label, long=True)))
    progress = with_answer(form, start(form), "norm", "b")
    modal = step_modal(form, progress)
    assert modal.is_finished() and modal.title == "Flag R3: b"
    assert Progress.parse(modal.custom_id).answers == "1"
    inputs = [c for c in modal.children if isinstance(c, discord.ui.TextInput)]
    assert [(i.custom_id, i.placeholder, i.style) for i in inputs] == [("reason", label, discord.TextStyle.paragraph)]
    assert len(inputs[0].to_component_dict()["label"]) == 45


def test_read_submission_reads_rows_and_labels_and_refuses_others() -> None:
    """Both modal layouts give the answers by field name; a custom id that names no form gives None."""
    rows = {
        "custom_id": "nbf:review:R7",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "q-one", "value": "yes"}]},
            {"type": 18, "component": {"type": 4, "custom_id": "q-two", "value": "na"}},
        ],
    }
    submitted = read_submission(rows)
    assert submitted is not None
    form, answers = submitted
    assert (form.command, form.release_ref, answers) == ("review", "R7", {"q-one": "yes", "q-two": "na"})
    assert events.form_options(form, answers) == {"release": "R7", "answers": "q-one=yes q-two=na"}
    assert read_submission({"custom_id": "other:thing", "components": []}) is None
    assert read_submission(None) is None


def test_worst_case_cards_fit_discords_embed_limits() -> None:
    """All-markdown, all-mention text doubles when escaped; the embed still fits every limit."""
    worst = "*_@everyone " * 600
    card = Card(worst, worst, tuple((f"{worst[:300]}{i}", worst) for i in range(30)), footer=worst)
    embed = render.card_embed(card)
    assert len(embed) <= 6000
    assert embed.title is not None and len(embed.title) <= 256
    assert embed.description is not None and len(embed.description) <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    assert "@everyone" not in str(embed.to_dict())
    ordinary = render.card_embed(Card("t", "b" * 100, (("a", "1"), ("b", "2"))))
    assert ordinary.description == "b" * 100 and len(ordinary.fields) == 2


def test_the_fake_enforces_discords_message_limits() -> None:
    """The fake answers 400 where Discord would, so e2e tests catch embeds Discord would refuse."""
    from tests.fakes.discord.limits import invalid_body, invalid_choices, invalid_modal

    fitted = render.card_embed(Card("t" * 300, "d" * 9000, tuple(("n", "v" * 2000) for _ in range(30))))
    assert invalid_body({"embeds": [fitted.to_dict()]}) is None
    assert invalid_body({"embeds": [{"title": "x" * 257}]}) == "embeds.0.title: Must be 256 or fewer in length."
    too_much = {"description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1000}] * 3}
    assert invalid_body({"embeds": [too_much]}) == "embeds.0.(total): Must be 6000 or fewer in length."
    assert invalid_body({"content": "c" * 2001}) is not None
    assert invalid_modal({"title": "t" * 46, "components": [{}]}) is not None
    from bot.discord.forms import step_modal
    from moderation.kernel.forms import start

    form = Form("flag", "Flag R3", "R3", (FormField("reason", "N" * 60, long=True),))
    assert invalid_modal(step_modal(form, start(form)).to_dict()) is None
    menu = {"type": 3, "custom_id": "m", "options": [{"label": "x", "value": str(i)} for i in range(26)]}
    assert invalid_body({"components": [{"type": 1, "components": [menu]}]}) is not None
    menu["options"] = menu["options"][:25]
    assert invalid_body({"components": [{"type": 1, "components": [menu]}]}) is None
    beside = {"type": 2, "custom_id": "b", "label": "Next"}
    assert invalid_body({"components": [{"type": 1, "components": [menu, beside]}]}) is not None
    assert invalid_body({"components": [{"type": 1, "components": [beside]}] * 6}) is not None
    assert invalid_choices({"choices": [{"name": "", "value": "R1"}]}) is not None
