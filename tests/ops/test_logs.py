"""Secrets never reach the log output, not even inside tracebacks; JSON logs carry ids."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import JsonFormatter, SecretMaskFilter

TOKEN = "MTA5.bot-token-1234567890"


def _logger(fmt: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(fmt)
    handler.addFilter(SecretMaskFilter([TOKEN]))
    logger = logging.getLogger(f"test.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_token_in_message_args_and_traceback_is_masked() -> None:
    """The token is replaced wherever it appears."""
    logger, stream = _logger(logging.Formatter("%(message)s"))
    logger.warning("GET https://api.example/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("send failed")
    out = stream.getvalue()
    assert TOKEN not in out
    assert out.count("**********") >= 2 and "send failed" in out


def test_json_lines_include_community_and_release() -> None:
    """Structured logs are one JSON object per line with the ids passed as extras."""
    logger, stream = _logger(JsonFormatter())
    logger.info("prompt sent", extra={"community": "pixel-forge", "release": "R3"})
    record = json.loads(stream.getvalue())
    assert record["message"] == "prompt sent"
    assert record["community"] == "pixel-forge" and record["release"] == "R3"
