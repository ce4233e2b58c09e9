"""Attached files of a command's file parameter: `getFile` + download, never more than the parameter allows,
decoded as UTF-8 text.

Problems are answered to the person who attached the file (too large, not text, unreachable), in the words of
the parameter's converter, which the Discord adapter uses too; the core only ever sees text.
"""

from __future__ import annotations

from telegram import Bot, Document
from telegram.error import TelegramError

from moderation.kernel.params import AttachmentConverter

__all__ = ["AttachmentProblem", "fetch_text"]


class AttachmentProblem(Exception):
    """A file could not be used; `str()` is written for the person who attached it."""


async def fetch_text(bot: Bot, document: Document, converter: AttachmentConverter) -> tuple[str, str]:
    """(file name, text) of an attached document, at most `converter.max_bytes`."""
    name = document.file_name or "attachment"
    limit = converter.max_bytes
    if document.file_size is not None and document.file_size > limit:
        raise AttachmentProblem(converter.too_large(name))
    try:
        file = await bot.get_file(document.file_id)
        if file.file_size is not None and file.file_size > limit:
            raise AttachmentProblem(converter.too_large(name))
        data = bytes(await file.download_as_bytearray())
    except (TelegramError, RuntimeError) as exc:
        raise AttachmentProblem(f"I could not download {name} from Telegram ({exc}).") from None
    if len(data) > limit:
        raise AttachmentProblem(converter.too_large(name))
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise AttachmentProblem(converter.not_text(name)) from None
