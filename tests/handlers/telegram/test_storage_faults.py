"""A database another process locks while messages arrive: the bot waits for it, loses nothing,
answers nothing twice and logs no traceback (README: "What survives a crash")."""

from __future__ import annotations

import gc
import logging

import pytest

from tests.conftest import RunningBot, until_handled
from tests.database_lock import locked_by_another_process
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, forwarded_from_channel, text_update

LOCK_SECONDS = 10.0  # the figure: another process holds the database for 10 s


def people(count: int) -> list[dict[str, object]]:
    """One person a message: the private flood limit must not decide what is measured here."""
    return [{"id": 310_000 + i, "is_bot": False, "first_name": f"Người {i}", "language_code": "vi"}
            for i in range(count)]


async def test_a_database_locked_for_10_s_by_another_process_is_waited_for(
        running_bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await running_bot.send(text_update(ORDINARY_MESSAGES[0]))  # up and answering
    askers = people(12)
    holder = await locked_by_another_process(running_bot.config.database, LOCK_SECONDS)
    updates = [forwarded_from_channel(f"{VNEID_RUMOR} #{i}", user) if i % 2 else
               text_update(f"{ORDINARY_MESSAGES[i % len(ORDINARY_MESSAGES)]} (tin số {i})", user)
               for i, user in enumerate(askers)]
    for update in updates:
        await running_bot.api.push(update)
    assert await holder.wait() == 0  # the lock was held to its end: the bot did not break it
    await until_handled(running_bot.api, running_bot.config.database, timeout=90)
    gc.collect()  # an exception nobody retrieved is reported when its task or future is collected

    for user in askers:
        answers = running_bot.api.sent(chat_id=int(str(user["id"])))
        assert len(answers) == 1, (user["id"], answers)  # answered, and once
        assert "lỗi" not in answers[0]["text"]  # not the generic error notice
    assert len(running_bot.reports()) == 1 + len(askers)  # no update lost, none stored twice
    assert running_bot.rows("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")[0][0] == 0
    assert [r.getMessage() for r in caplog.records if r.exc_info or "never retrieved" in r.getMessage()] == []
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), [r.getMessage() for r in caplog.records
                                                                         if r.levelno >= logging.ERROR]
    waits = [r.getMessage() for r in caplog.records if "is locked by another process" in r.getMessage()]
    assert waits, "the wait is said, once"
