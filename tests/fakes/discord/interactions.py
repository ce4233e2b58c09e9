"""INTERACTION_CREATE payloads as Discord builds them when a member uses the bot's UI.

Each builder registers the interaction with the fake (so its callback and followup routes answer) and
sends it on the gateway; the returned payload's `id` is what tests wait on with `FakeDiscord.response_to`.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.payloads import JSON, FakeChannel, FakeUser, interaction_payload
from tests.fakes.discord.server import FakeDiscord, public
from tests.fakes.discord.state import Call

__all__ = ["autocomplete", "context_menu", "pick", "press", "response_to", "select", "slash", "submit_modal"]

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
STRING, INTEGER, ATTACHMENT, SUB_COMMAND = 3, 4, 11, 1


async def _send(
    fake: FakeDiscord, channel: FakeChannel, user: FakeUser, kind: int, data: JSON, message: JSON | None = None
) -> JSON:
    found = fake.channel(channel.id)
    assert found is not None and found[1] is not None, "interactions here are guild interactions"
    interaction_id, token = fake.new_interaction_ids()
    payload = interaction_payload(
        interaction_id=interaction_id,
        application_id=fake.application_id,
        kind=kind,
        token=token,
        guild=found[1],
        channel=found[0],
        user=user,
        data=data,
        message=message,
    )
    return await fake.send_interaction(payload)


def _command_id(fake: FakeDiscord, name: str, guild_id: int) -> str:
    for command in fake.commands.get(str(guild_id), []) + fake.commands.get(None, []):
        if command["name"] == name:
            return str(command["id"])
    raise AssertionError(f"the bot never registered a command named {name!r}")


def _options(values: dict[str, Any], focused: str | None = None) -> list[JSON]:
    out = []
    for name, value in values.items():
        if isinstance(value, dict) and "filename" in value:  # an uploaded attachment
            out.append({"name": name, "type": ATTACHMENT, "value": value["id"]})
            continue
        option: JSON = {"name": name, "type": INTEGER if isinstance(value, int) else STRING, "value": value}
        if name == focused:
            option["focused"] = True
        out.append(option)
    return out


def _command_data(
    fake: FakeDiscord, channel: FakeChannel, name: str, values: dict[str, Any], focused: str | None
) -> JSON:
    found = fake.channel(channel.id)
    assert found is not None and found[1] is not None
    top, _, sub = name.partition(" ")
    options = _options(values, focused)
    if sub:
        options = [{"name": sub, "type": SUB_COMMAND, "options": options}]
    data: JSON = {"id": _command_id(fake, top, found[1].id), "name": top, "type": 1, "options": options}
    attachments = {v["id"]: v for v in values.values() if isinstance(v, dict) and "filename" in v}
    if attachments:
        data["resolved"] = {"attachments": attachments}
    return data


async def slash(fake: FakeDiscord, channel: FakeChannel, user: FakeUser, name: str, **values: Any) -> JSON:
    """A slash command (`name` may be two words: `release show`); attachments come from `add_attachment`."""
    data = _command_data(fake, channel, name, values, None)
    return await _send(fake, channel, user, APPLICATION_COMMAND, data)


async def autocomplete(
    fake: FakeDiscord, channel: FakeChannel, user: FakeUser, name: str, focused: str, **values: Any
) -> JSON:
    """The member is typing option `focused` of a slash command."""
    data = _command_data(fake, channel, name, values, focused)
    return await _send(fake, channel, user, AUTOCOMPLETE, data)


async def context_menu(fake: FakeDiscord, channel: FakeChannel, user: FakeUser, name: str, target: JSON) -> JSON:
    """A message context-menu command on `target` (a message payload)."""
    found = fake.channel(channel.id)
    assert found is not None and found[1] is not None
    data = {
        "id": _command_id(fake, name, found[1].id),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: public(target)}},
    }
    return await _send(fake, channel, user, APPLICATION_COMMAND, data)


async def press(fake: FakeDiscord, channel: FakeChannel, user: FakeUser, message: JSON, custom_id: str) -> JSON:
    """A button press on `message` (Discord sends the message with its components)."""
    data = {"custom_id": custom_id, "component_type": 2}
    return await _send(fake, channel, user, MESSAGE_COMPONENT, data, public(message))


async def select(
    fake: FakeDiscord, channel: FakeChannel, user: FakeUser, message: JSON, custom_id: str, values: list[str]
) -> JSON:
    """A choice in a select menu of `message` (`values`: the chosen options' values). Like Discord, the
    fake refuses a select the message does not have or a value that is not one of its options."""
    found = [
        c for row in message.get("components", []) for c in row.get("components", []) if c.get("custom_id") == custom_id
    ]
    assert found and found[0].get("type") == 3, f"no select {custom_id!r} on the message"
    offered = {o["value"] for o in found[0].get("options", [])}
    assert set(values) <= offered, f"{values} are not options of the select"
    data = {"custom_id": custom_id, "component_type": 3, "values": values}
    return await _send(fake, channel, user, MESSAGE_COMPONENT, data, public(message))


PICKERS = {5: "users", 6: "roles", 7: "mentionables", 8: "channels"}


async def pick(
    fake: FakeDiscord, channel: FakeChannel, user: FakeUser, message: JSON, custom_id: str, values: list[str]
) -> JSON:
    """A choice in a channel or role select (Discord lists the guild's channels or roles itself; `values` are
    their ids). Like Discord, the fake sends the chosen objects in `resolved`, and refuses a picker the message
    does not have or more values than it takes."""
    found = [
        c for row in message.get("components", []) for c in row.get("components", []) if c.get("custom_id") == custom_id
    ]
    assert found and found[0].get("type") in PICKERS, f"no channel or role select {custom_id!r} on the message"
    component = found[0]
    assert int(component.get("min_values", 1)) <= len(values) <= int(component.get("max_values", 1))
    resolved: JSON = {}
    if component["type"] == 8:
        chats = {v: fake.channel(int(v)) for v in values}
        assert all(c is not None for c in chats.values()), "Discord offers the guild's channels only"
        resolved["channels"] = {
            v: {"id": v, "name": c[0].name, "type": 0, "permissions": "0"} for v, c in chats.items() if c
        }
    elif component["type"] == 6:
        resolved["roles"] = {v: {"id": v, "name": f"role {v}", "permissions": "0", "position": 1} for v in values}
    data = {"custom_id": custom_id, "component_type": component["type"], "values": values, "resolved": resolved}
    return await _send(fake, channel, user, MESSAGE_COMPONENT, data, public(message))


async def submit_modal(
    fake: FakeDiscord, channel: FakeChannel, user: FakeUser, modal: JSON, values: dict[str, str]
) -> JSON:
    """Submit a modal the bot opened (`modal` is the callback's `data`); `values` by text-input custom_id
    or label. The components mirror the modal's layout, as Discord's do."""

    def answer(component: JSON) -> JSON | None:
        if component.get("type") == 4:
            key = component["custom_id"]
            value = values.get(key, values.get(component.get("label", ""), ""))
            return {"type": 4, "id": component.get("id", 0), "custom_id": key, "value": value}
        if component.get("type") == 18 and component.get("component"):
            inner = component["component"]
            if inner.get("type") == 4:
                got = answer({**inner, "label": component.get("label", "")})
                return {"type": 18, "id": component.get("id", 0), "component": got}
        if component.get("type") == 1:
            children = [c for c in (answer(x) for x in component.get("components", [])) if c is not None]
            return {"type": 1, "id": component.get("id", 0), "components": children}
        return None

    components = [c for c in (answer(x) for x in modal.get("components", [])) if c is not None]
    data = {"custom_id": modal["custom_id"], "components": components}
    return await _send(fake, channel, user, MODAL_SUBMIT, data)


async def response_to(fake: FakeDiscord, interaction: JSON, *, timeout: float = 10.0) -> Call:
    """The bot's callback (its first answer) to an interaction."""
    return await fake.rec.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback", timeout=timeout)
