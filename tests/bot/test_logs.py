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


def test_a_token_is_redacted_inside_longer_strings_even_one_not_configured() -> None:
    from bot.logs import RedactingFormatter

    known = "7012345678:AAH-real_looking-secret-part-0123456"
    unknown = "5550001112:ZZZ-another-bots-secret_part-987654"
    redact = RedactingFormatter("%(message)s", [known]).redact
    for line in (f"url=https://api.telegram.org/bot{known}/getMe", f"token={unknown}&x=1", f"bot{unknown}",
                 f"secret part alone: {known.split(':')[1]}", f"'{unknown}'"):
        redacted = redact(line)
        assert known not in redacted and unknown not in redacted
        assert known.split(":")[1] not in redacted and unknown.split(":")[1] not in redacted
        assert "<redacted>" in redacted
    assert redact("họp lúc 10:30, số nhà 123456:7") == "họp lúc 10:30, số nhà 123456:7"  # times and numbers stay
