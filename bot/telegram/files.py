"""Attached norm files: `getFile` + download, at most 256 KB, decoded as UTF-8 text.

Problems are answered to the person who attached the file (too large, not text, unreachable); the core only
ever sees text it can lint.
"""

from __future__ import annotations

from telegram import Bot, Document
from telegram.error import TelegramError

__all__ = ["MAX_ATTACHMENT_BYTES", "AttachmentProblem", "fetch_text"]

MAX_ATTACHMENT_BYTES = 256 * 1024


class AttachmentProblem(Exception):
    """A file could not be used; `str()` is written for the person who attached it."""


async def fetch_text(bot: Bot, document: Document, *, limit: int = MAX_ATTACHMENT_BYTES) -> tuple[str, str]:
    """(file name, text) of an attached document."""
    name = document.file_name or "attachment"
    if document.file_size is not None and document.file_size > limit:
        raise AttachmentProblem(f"{name} is larger than {limit // 1024} KB; I did not read it.")
    try:
        file = await bot.get_file(document.file_id)
        if file.file_size is not None and file.file_size > limit:
            raise AttachmentProblem(f"{name} is larger than {limit // 1024} KB; I did not read it.")
        data = bytes(await file.download_as_bytearray())
    except (TelegramError, RuntimeError) as exc:
        raise AttachmentProblem(f"I could not download {name} from Telegram ({exc}).") from None
    if len(data) > limit:
        raise AttachmentProblem(f"{name} is larger than {limit // 1024} KB; I did not read it.")
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise AttachmentProblem(f"{name} is not UTF-8 text; attach the YAML norm file itself.") from None
