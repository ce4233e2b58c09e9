"""Actions as JSON and back, for the outbox: what a process without chat adapters (the web registry) decided
to send is stored and delivered by a bot process. Only addressed actions travel (Send, Edit, Delete,
DirectMessage); replies answer the request that made them."""

from __future__ import annotations

from typing import Any

from moderation.kernel.actions import Action, Button, Card, Delete, DirectMessage, Edit, Send
from moderation.kernel.events import ChatRef

__all__ = ["ADDRESSED", "decode_action", "encode_action"]

ADDRESSED = (Send, Edit, Delete, DirectMessage)


def _chat(c: ChatRef | None) -> dict[str, Any] | None:
    return None if c is None else {"platform": c.platform, "chat_id": c.chat_id, "thread_id": c.thread_id}


def _card(c: Card) -> dict[str, Any]:
    return {
        "title": c.title,
        "body": c.body,
        "fields": [list(f) for f in c.fields],
        "status": c.status,
        "footer": c.footer,
    }


def _buttons(bs: tuple[Button, ...]) -> list[list[str]]:
    return [[b.label, b.payload, b.style] for b in bs]


def encode_action(a: Action) -> dict[str, Any]:
    """An addressed action as JSON-ready data; ValueError for the others."""
    if isinstance(a, Send):
        return {
            "kind": "send",
            "chat": _chat(a.chat),
            "card": _card(a.card),
            "buttons": _buttons(a.buttons),
            "reply_to": a.reply_to,
            "key": a.key,
            "thread_title": a.thread_title,
            "thread_intro": _card(a.thread_intro) if a.thread_intro else None,
            "thread_key": a.thread_key,
        }
    if isinstance(a, Edit):
        return {
            "kind": "edit",
            "chat": _chat(a.chat),
            "message_id": a.message_id,
            "card": _card(a.card),
            "buttons": _buttons(a.buttons),
        }
    if isinstance(a, Delete):  # optional enforcement decided from the registry: a bot process deletes
        return {"kind": "delete", "chat": _chat(a.chat), "message_id": a.message_id, "release_id": a.release_id}
    if isinstance(a, DirectMessage):
        return {
            "kind": "dm",
            "platform": a.platform,
            "user_id": a.user_id,
            "card": _card(a.card),
            "fallback_chat": _chat(a.fallback_chat),
        }
    raise ValueError(f"{type(a).__name__} is not an addressed action")


def _chat_of(d: dict[str, Any] | None) -> ChatRef | None:
    return None if d is None else ChatRef(str(d["platform"]), str(d["chat_id"]), d.get("thread_id"))


def _card_of(d: dict[str, Any]) -> Card:
    fields = tuple((str(n), str(v)) for n, v in d.get("fields", ()))
    return Card(str(d["title"]), str(d.get("body", "")), fields, d.get("status"), d.get("footer"))


def decode_action(d: dict[str, Any]) -> Action:
    """The action `encode_action` encoded."""
    buttons = tuple(Button(str(label), str(payload), str(style)) for label, payload, style in d.get("buttons", ()))
    kind = d["kind"]
    if kind == "send":
        chat = _chat_of(d["chat"])
        assert chat is not None
        intro = d.get("thread_intro")
        return Send(
            chat,
            _card_of(d["card"]),
            buttons,
            d.get("reply_to"),
            d.get("key"),
            d.get("thread_title"),
            _card_of(intro) if intro else None,
            d.get("thread_key"),
        )
    if kind == "edit":
        chat = _chat_of(d["chat"])
        assert chat is not None
        return Edit(chat, str(d["message_id"]), _card_of(d["card"]), buttons)
    if kind == "delete":
        chat = _chat_of(d["chat"])
        assert chat is not None
        release_id = d.get("release_id")
        return Delete(chat, str(d["message_id"]), int(release_id) if release_id is not None else None)
    if kind == "dm":
        return DirectMessage(
            str(d["platform"]), str(d["user_id"]), _card_of(d["card"]), _chat_of(d.get("fallback_chat"))
        )
    raise ValueError(f"unknown action kind {kind!r}")
