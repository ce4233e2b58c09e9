"""Bot API methods of the fake, each checking its input the way Telegram does and answering a real shape.

Add a method by writing `async def m_<methodName>(state, params) -> result` here: `server.py` finds it by
name. Raise `ApiError(code, description)` for anything Telegram would refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakes.telegram.html import HtmlError, parse_html
from tests.fakes.telegram.payloads import chat_payload, user_payload
from tests.fakes.telegram.state import ApiError, BotMessage, FakeState

__all__ = ["METHODS"]

JSON = dict[str, Any]
Method = Callable[[FakeState, JSON], Awaitable[Any]]
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_TEXT = 4096


def _int(params: JSON, key: str, *, required: bool = True) -> int | None:
    value = params.get(key)
    if value is None:
        if required:
            raise ApiError(400, f"Bad Request: parameter {key} is required")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: {key} must be an integer") from None


def _text(params: JSON) -> tuple[str, str]:
    """(raw, what the user sees) of a message text, parsed with the requested parse mode."""
    raw = params.get("text")
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    mode = params.get("parse_mode")
    if mode is None:
        plain = raw
    elif str(mode).upper() == "HTML":
        try:
            plain = parse_html(raw)
        except HtmlError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    else:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {mode!r} in this fake")
    if len(plain) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return raw, plain


def _keyboard(params: JSON) -> tuple[list[list[tuple[str, str]]], bool]:
    markup = params.get("reply_markup")
    if markup is None:
        return [], False
    if isinstance(markup, str):
        markup = json.loads(markup)
    if markup.get("force_reply"):
        if len(str(markup.get("input_field_placeholder") or "")) > 64:
            raise ApiError(400, "Bad Request: input field placeholder is too long")
        return [], True
    rows: list[list[tuple[str, str]]] = []
    for row in markup.get("inline_keyboard", []):
        out = []
        for button in row:
            url = button.get("url")
            if url is not None and button.get("callback_data") is None:  # a link button: kept as "url:<url>"
                if not str(url).startswith(("https://", "http://", "tg://")):
                    raise ApiError(400, "Bad Request: wrong HTTP URL")
                out.append((str(button["text"]), f"url:{url}"))
                continue
            data = button.get("callback_data")
            if data is None or not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not str(button.get("text", "")).strip():
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            out.append((str(button["text"]), str(data)))
        rows.append(out)
    return rows, False


def _markup_json(rows: list[list[tuple[str, str]]]) -> JSON | None:
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": t, "url": d[4:]} if d.startswith("url:") else {"text": t, "callback_data": d} for t, d in row]
            for row in rows
        ]
    }


def _message_json(state: FakeState, msg: BotMessage) -> JSON:
    chat = state.chats.get(msg.chat_id)
    chat_json = chat_payload(chat) if chat else {"id": msg.chat_id, "type": "private", "first_name": "user"}
    data: JSON = {
        "message_id": msg.message_id,
        "date": int(time.time()),
        "chat": chat_json,
        "from": user_payload(state.bot),
        "text": msg.text,
    }
    if msg.thread_id is not None:
        data["message_thread_id"] = msg.thread_id
        data["is_topic_message"] = True
    if msg.reply_to is not None:
        replied = state.messages.get((msg.chat_id, msg.reply_to))
        if replied is not None:
            data["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
    if markup := _markup_json(msg.buttons):
        data["reply_markup"] = markup
    if msg.edits:
        data["edit_date"] = int(time.time())
    return data


async def get_me(state: FakeState, params: JSON) -> JSON:
    """The bot itself."""
    return {**user_payload(state.bot), "can_join_groups": True, "can_read_all_group_messages": True}


async def delete_webhook(state: FakeState, params: JSON) -> bool:
    """Polling start-up removes any webhook."""
    state.webhook = None
    if params.get("drop_pending_updates"):
        state.updates.clear()
    return True


async def set_webhook(state: FakeState, params: JSON) -> bool:
    """Recorded so webhook-mode tests can check the URL and the secret token."""
    url = params.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    state.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
    return True


async def get_updates(state: FakeState, params: JSON) -> list[JSON]:
    """Long polling: confirm everything below `offset`, then answer at once or when an update arrives."""
    if state.webhook is not None:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
    offset = _int(params, "offset", required=False)
    limit = _int(params, "limit", required=False) or 100
    timeout = float(params.get("timeout") or 0)
    allowed = params.get("allowed_updates")
    if isinstance(allowed, list):
        state.allowed_updates = [str(a) for a in allowed] or None  # [] means Telegram's default: all kinds
    if offset is not None:
        state.updates = [u for u in state.updates if u["update_id"] >= offset]
    if state.allowed_updates is not None:
        # Telegram does not keep updates of kinds the bot did not ask for: they are never delivered.
        kept = set(state.allowed_updates)
        state.updates = [u for u in state.updates if not (set(u) - {"update_id"}) - kept]
    if not state.updates and not state.forced and timeout > 0:
        state.update_arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.update_arrived.wait(), timeout)
    forced, state.forced = state.forced, []
    return forced + state.updates[:limit]


async def send_message(state: FakeState, params: JSON) -> JSON:
    """Post a message (HTML checked, replies and forum topics checked, keyboard validated)."""
    chat = state.chat(params.get("chat_id"))
    if (wait := state.flood.pop(chat.id, 0)) > 0:
        raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
    raw, plain = _text(params)
    rows, force = _keyboard(params)
    thread_id = _int(params, "message_thread_id", required=False)
    if thread_id is not None and (not chat.is_forum or (chat.id, thread_id) not in state.topics):
        raise ApiError(400, "Bad Request: message thread not found")
    reply = params.get("reply_parameters")
    reply_to = _int(params, "reply_to_message_id", required=False)
    allow_missing = False
    if isinstance(reply, dict):
        reply_to = _int(reply, "message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    if reply_to is not None and (chat.id, reply_to) not in state.messages:
        if not allow_missing:
            raise ApiError(400, "Bad Request: message to be replied not found")
        reply_to = None
    msg = BotMessage(chat.id, state.new_message_id(chat.id), raw, plain, rows, reply_to, thread_id, force)
    state.bot_messages[(chat.id, msg.message_id)] = msg
    data = _message_json(state, msg)
    state.messages[(chat.id, msg.message_id)] = data
    return data


def _bot_message(state: FakeState, params: JSON) -> BotMessage:
    chat = state.chat(params.get("chat_id"))
    message_id = _int(params, "message_id")
    msg = state.bot_messages.get((chat.id, message_id or 0))
    if msg is None:
        if (chat.id, message_id or 0) in state.messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        raise ApiError(400, "Bad Request: message to edit not found")
    return msg


async def edit_message_text(state: FakeState, params: JSON) -> JSON:
    """Edit a bot message in place; an identical edit is refused like on Telegram."""
    msg = _bot_message(state, params)
    raw, plain = _text(params)
    rows, _ = _keyboard(params)
    if plain == msg.text and rows == msg.buttons:
        raise ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup "
            "are exactly the same as a current content and reply markup of the message",
        )
    msg.html, msg.text, msg.buttons = raw, plain, rows
    msg.edits += 1
    data = _message_json(state, msg)
    state.messages[(msg.chat_id, msg.message_id)] = data
    return data


async def edit_message_reply_markup(state: FakeState, params: JSON) -> JSON:
    """Replace only the keyboard."""
    msg = _bot_message(state, params)
    rows, _ = _keyboard(params)
    if rows == msg.buttons:
        raise ApiError(400, "Bad Request: message is not modified")
    msg.buttons = rows
    msg.edits += 1
    return _message_json(state, msg)


async def answer_callback_query(state: FakeState, params: JSON) -> bool:
    """Each query can be answered once; the toast text is at most 200 characters."""
    query_id = str(params.get("callback_query_id", ""))
    query = state.callback_queries.get(query_id)
    if query is None or query.get("answered"):
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    url = params.get("url")
    if url is not None and not _bot_deep_link(state, str(url)):
        # Outside games, Telegram only opens links to the bot itself (t.me/<bot>?start=<parameter>).
        raise ApiError(400, "Bad Request: URL_INVALID")
    query["answered"] = True
    query["answer"] = {"text": text, "show_alert": bool(params.get("show_alert"))}
    if url is not None:
        query["answer"]["url"] = str(url)
    return True


def _bot_deep_link(state: FakeState, url: str) -> bool:
    """`https://t.me/<bot username>?start=<1-64 of A-Z a-z 0-9 _ ->` (Telegram's deep-link parameter)."""
    username = re.escape(state.bot.username or "")
    return re.fullmatch(rf"(?:https?://)?t\.me/{username}\?start=[A-Za-z0-9_-]{{1,64}}", url) is not None


async def set_my_commands(state: FakeState, params: JSON) -> bool:
    """Command lists per scope; names must be `[a-z0-9_]{1,32}`, descriptions 1-256 characters."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: commands must be a list of at most 100 commands")
    for cmd in commands:
        if not COMMAND_NAME.fullmatch(str(cmd.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    scope = params.get("scope") or {"type": "default"}
    state.commands[json.dumps(scope, sort_keys=True)] = commands
    return True


async def get_chat_administrators(state: FakeState, params: JSON) -> list[JSON]:
    """Admins of a group (the first one listed is the creator)."""
    chat = state.chat(params.get("chat_id"))
    if chat.type == "private":
        raise ApiError(400, "Bad Request: there are no administrators in the private chat")
    out = []
    for n, user_id in enumerate(sorted(state.admins.get(chat.id, set()))):
        user = state.users.get(user_id)
        if user is None:
            continue
        member: JSON = {"user": user_payload(user), "status": "creator" if n == 0 else "administrator"}
        member["is_anonymous"] = False
        if n:
            member |= {
                k: True
                for k in (
                    "can_be_edited",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                )
            }
        out.append(member)
    return out


DELETE_WINDOW = 48 * 3600  # "A message can only be deleted if it was sent less than 48 hours ago."


async def delete_message(state: FakeState, params: JSON) -> bool:
    """deleteMessage, with the Bot API's rules: only within 48 hours of sending; the bot's own messages and
    any message in a private chat; another member's message in a group only when the bot is an administrator
    (a supergroup: with `can_delete_messages`). Telegram answers every refusal with the same words."""
    chat = state.chat(params.get("chat_id"))
    message_id = _int(params, "message_id") or 0
    message = state.messages.get((chat.id, message_id))
    if message is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    if time.time() - int(message.get("date", time.time())) >= DELETE_WINDOW:
        raise ApiError(400, "Bad Request: message can't be deleted")
    own = (message.get("from") or {}).get("id") == state.bot.id
    rights = state.bot_rights.get(chat.id)
    if chat.type != "private" and not own:
        allowed = rights is not None and (chat.type == "group" or "can_delete_messages" in rights)
        if not allowed:
            raise ApiError(400, "Bad Request: message can't be deleted")
    del state.messages[(chat.id, message_id)]
    state.bot_messages.pop((chat.id, message_id), None)
    state.deleted.append((chat.id, message_id))
    return True


async def get_chat_member(state: FakeState, params: JSON) -> JSON:
    """One member's status; for the bot itself, its administrator rights (`promote_bot`) or `member`."""
    chat = state.chat(params.get("chat_id"))
    user_id = _int(params, "user_id") or 0
    user = state.bot if user_id == state.bot.id else state.users.get(user_id)
    if user is None:
        raise ApiError(400, "Bad Request: user not found")
    if user_id == state.bot.id and chat.id in state.bot_rights:
        rights = state.bot_rights[chat.id]
        member: JSON = {"user": user_payload(user), "status": "administrator", "is_anonymous": False}
        for right in (
            "can_be_edited",
            "can_manage_chat",
            "can_delete_messages",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_manage_video_chats",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ):
            member[right] = right in rights
        return member
    if user_id in state.admins.get(chat.id, set()):
        return {
            "user": user_payload(user),
            "status": "administrator",
            "is_anonymous": False,
            "can_be_edited": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
        }
    return {"user": user_payload(user), "status": "member"}


async def get_file(state: FakeState, params: JSON) -> JSON:
    """A file's path for download from `/file/bot<token>/<path>`."""
    file_id = str(params.get("file_id", ""))
    if file_id not in state.files:
        raise ApiError(400, "Bad Request: invalid file_id")
    path, content = state.files[file_id]
    return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content), "file_path": path}


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "deleteWebhook": delete_webhook,
    "setWebhook": set_webhook,
    "getUpdates": get_updates,
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getChatAdministrators": get_chat_administrators,
    "getFile": get_file,
    "deleteMessage": delete_message,
    "getChatMember": get_chat_member,
}
