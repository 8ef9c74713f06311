from __future__ import annotations

import logging

import pytest

from bot.logs import setup_logging


def test_tokens_are_redacted_from_any_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    token = "7012345678:AAH-secret_token"
    setup_logging("DEBUG", [token])
    logger = logging.getLogger("kiemchung.test")
    logger.info("POST https://api.telegram.org/bot%s/getUpdates", token)
    logger.info("token is %s", token)
    logger.info("another bot: https://api.telegram.org/bot99:zz-Other/sendMessage")
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{token}/getMe")
    except ConnectionError:
        logger.exception("network down")
    err = capsys.readouterr().err
    assert token not in err
    assert "99:zz-Other" not in err
    assert err.count("<redacted>") == 4


def test_httpx_request_logging_is_silenced() -> None:
    setup_logging("DEBUG", [])
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
