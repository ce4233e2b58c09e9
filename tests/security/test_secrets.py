"""Secrets never reach logs, exceptions shown to operators, or the CLI's error output.

Logs go through the real `bot.logs.configure_logging(..., secrets=[...])` handler (text and JSON formats) into
a captured stream; the token appears in the message, in %-arguments, in an exception's text and traceback,
and inside a URL the way PTB and httpx log it.
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.config import Secret
from bot.logs import MASK, configure_logging
from storage import Store, StoreUnavailable

TOKEN = "123456789:AAE-fake_Token-value_0123456789abcdef"
PASSWORD = "s3cret-db-pa55"


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The normbot log handler, writing into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    handler = configure_logging("DEBUG", str(request.param), secrets=[TOKEN, PASSWORD])
    stream = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)


def test_token_is_masked_in_messages_arguments_and_urls(captured: io.StringIO) -> None:
    log = logging.getLogger("normbot.test")
    log.info("starting with token %s", TOKEN)
    log.info(f"Set Bot API URL: https://api.telegram.org/bot{TOKEN}/getMe")
    logging.getLogger("httpx").warning("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.info("db %s", f"postgresql://normbot:{PASSWORD}@db:5432/normbot")
    out = captured.getvalue()
    assert TOKEN not in out and PASSWORD not in out
    assert out.count(MASK) >= 4


def test_token_is_masked_in_a_logged_exception_traceback(captured: io.StringIO) -> None:
    log = logging.getLogger("normbot.test")

    def connect(token: str) -> None:
        raise ConnectionError(f"could not reach https://api.telegram.org/bot{token}/getUpdates")

    try:
        connect(TOKEN)
    except ConnectionError:
        log.exception("polling failed")
    out = captured.getvalue()
    assert "Traceback" in out and "ConnectionError" in out and "polling failed" in out
    assert TOKEN not in out
    assert MASK in out


def test_secret_settings_never_show_themselves() -> None:
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) and TOKEN not in str(secret) and TOKEN not in f"{secret}"
    assert TOKEN not in repr({"token": secret})


async def test_store_errors_do_not_carry_the_database_password() -> None:
    """A refused connection becomes StoreUnavailable whose message and URL are safe to log."""
    store = Store.from_url(f"postgresql://normbot:{PASSWORD}@127.0.0.1:1/normbot")
    try:
        assert PASSWORD not in store.url
        with pytest.raises(StoreUnavailable) as info:
            async with store.transaction() as tx:
                await tx.s.execute(text("SELECT 1"))
        assert PASSWORD not in str(info.value) and PASSWORD not in repr(info.value)
    finally:
        await store.close()


@pytest.mark.parametrize("command", [["audit", "verify"], ["db", "upgrade"]])
def test_cli_errors_do_not_print_the_database_password(command: list[str]) -> None:
    url = f"postgresql://normbot:{PASSWORD}@127.0.0.1:1/normbot"
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command, "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
