"""Platforms apart: one failing at start or later does not stop the other, and is started again after
a back-off; alone, a refused token is still one line and exit 1 (tests/handlers/test_startup_errors.py).

The first tests drive `keep_serving` with stand-in platforms; the others run the real bot with both
platforms against the fake Bot API and the fake Zalo API, each made to fail in its own way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.config import Config, TelegramConfig, ZaloConfig
from bot.core import Core
from handlers import runner, startup
from handlers.runner import keep_serving, serve
from handlers.startup import StartupError
from handlers.telegram import polling
from handlers.zalo import run as zalo_run
from tests.fake_bot_api import FakeBotApi
from tests.fake_zalo_api import FakeZaloApi, text_event
from tests.handlers.test_startup_errors import OTHER_TOKEN, free_port
from tests.local_server import running
from tests.updates import VNEID_RUMOR, text_update

REFUSED = StartupError("Telegram refused the token (401): check TELEGRAM_BOT_TOKEN")


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every back-off in tenths of a second: what is tested is what is retried, not how long it waits."""
    for name in ("REFUSED_FIRST", "REFUSED_MAX", "FAILED_FIRST", "FAILED_MAX"):
        monkeypatch.setattr(runner, name, 0.2)
    monkeypatch.setattr(startup, "FIRST_RETRY", 0.2)
    monkeypatch.setattr(polling, "MAX_BACKOFF", 0.2)
    monkeypatch.setattr(zalo_run, "MAX_BACKOFF", 0.2)


class Platform:
    """A stand-in platform: each start takes the next outcome (an exception, or serve until stopped)."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.starts = 0
        self.serving = asyncio.Event()

    async def __call__(self, core: Core, stop: asyncio.Event) -> None:
        self.starts += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.serving.set()
        await stop.wait()


CORE = Core.__new__(Core)  # keep_serving hands the core to the platform, which these do not read


async def test_alone_a_refused_token_is_raised_at_once() -> None:
    with pytest.raises(StartupError, match="refused the token"):
        await keep_serving("Telegram", Platform(REFUSED), CORE, asyncio.Event(), [], set())


async def test_beside_another_platform_a_refused_token_is_one_line_and_tried_again(
        quick_retries: None, caplog: pytest.LogCaptureFixture) -> None:
    stop, telegram = asyncio.Event(), Platform(REFUSED, REFUSED)
    task = asyncio.create_task(keep_serving("Telegram", telegram, CORE, stop, ["Zalo"], set()))
    await asyncio.wait_for(telegram.serving.wait(), 10)
    stop.set()
    await task
    assert telegram.starts == 3
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [("ERROR", "Telegram refused the token (401): check TELEGRAM_BOT_TOKEN; Zalo keeps serving; "
                               "Telegram is tried again in 0 s")] * 2
    assert not any(r.exc_info for r in caplog.records)


async def test_an_unknown_failure_is_logged_with_its_traceback_and_started_again(
        quick_retries: None, caplog: pytest.LogCaptureFixture) -> None:
    stop, zalo = asyncio.Event(), Platform(RuntimeError("a bug"))
    task = asyncio.create_task(keep_serving("Zalo", zalo, CORE, stop, [], set()))  # alone, too
    await asyncio.wait_for(zalo.serving.wait(), 10)
    stop.set()
    await task
    [record] = caplog.records
    assert record.getMessage() == "Zalo stopped on an unexpected error; starting it again in 0 s"
    assert record.exc_info is not None  # unknown: its traceback is what helps


async def test_when_every_platform_is_refused_the_last_refusal_ends_the_bot(quick_retries: None,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "REFUSED_FIRST", 30.0)  # the first stays refused while the second tries
    stop, refused = asyncio.Event(), set[str]()
    first = asyncio.create_task(keep_serving("Telegram", Platform(REFUSED), CORE, stop, ["Zalo"], refused))
    zalo_refused = StartupError("Zalo refused the token (401): check ZALO_BOT_TOKEN")
    while "Telegram" not in refused:
        await asyncio.sleep(0.01)
    with pytest.raises(StartupError, match="Zalo refused"):
        await keep_serving("Zalo", Platform(zalo_refused), CORE, stop, ["Telegram"], refused)
    stop.set()
    await first


# -- the real bot, both platforms -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def both_platforms(config: Config, telegram: FakeBotApi, zalo: FakeZaloApi, *, telegram_token: str = "",
                         zalo_token: str = "", zalo_url: str = "") -> AsyncIterator[asyncio.Task[None]]:
    config = replace(config,
                     telegram=TelegramConfig(token=telegram_token or telegram.token, base_url=telegram.base_url,
                                             base_file_url=telegram.base_file_url, poll_timeout=1),
                     zalo=ZaloConfig(token=zalo_token or zalo.token, base_url=zalo_url or zalo.base_url,
                                     poll_timeout=1))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, stop, handle_signals=False))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def telegram_answers(api: FakeBotApi, user_id: int) -> str:
    user = {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
    before = len(api.sent(chat_id=user_id))
    await api.push(text_update(VNEID_RUMOR, user))
    await api.wait_for(lambda: len(api.sent(chat_id=user_id)) > before, 20)
    return str(api.sent(chat_id=user_id)[-1]["text"])


async def zalo_answers(api: FakeZaloApi, user_id: str) -> str:
    before = len(api.sent(user_id))
    await api.push(text_event(VNEID_RUMOR, user_id=user_id))
    await api.wait_for(lambda: len(api.sent(user_id)) > before, 20)
    return api.sent(user_id)[-1]


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.fixture
async def apis() -> AsyncIterator[tuple[FakeBotApi, FakeZaloApi]]:
    async with running(FakeBotApi()) as telegram, running(FakeZaloApi()) as zalo:
        yield telegram, zalo


async def test_telegram_refusing_the_token_leaves_zalo_serving(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture) -> None:
    telegram, zalo = apis
    async with both_platforms(config, telegram, zalo, telegram_token=OTHER_TOKEN) as task:
        assert "LỪA ĐẢO" in await zalo_answers(zalo, "6ede9afa66b88fe6d6a9")
        assert not task.done()
    assert task.exception() is None  # stopped as asked, not by the refusal
    assert problems(caplog) == ["ERROR Telegram refused the token (401): check TELEGRAM_BOT_TOKEN; Zalo keeps "
                                "serving; Telegram is tried again in 10 min"]
    assert_no_traceback(caplog)


async def test_zalo_refusing_the_token_leaves_telegram_serving(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture) -> None:
    telegram, zalo = apis
    async with both_platforms(config, telegram, zalo, zalo_token=f"{zalo.token}x"):
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5001)
    assert problems(caplog) == ["ERROR Zalo refused the token (401): check ZALO_BOT_TOKEN; Telegram keeps serving; "
                                "Zalo is tried again in 10 min"]
    assert_no_traceback(caplog)


@pytest.mark.parametrize("fault", ["502", "unreachable"])
async def test_zalo_down_at_start_leaves_telegram_serving_and_joins_once_it_is_back(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture,
        quick_retries: None, fault: str) -> None:
    telegram, zalo = apis
    closed = f"http://127.0.0.1:{free_port()}/bot"
    zalo.outage = 502 if fault == "502" else None
    async with both_platforms(config, telegram, zalo, zalo_url=closed if fault == "unreachable" else "") as task:
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5001)
        await asyncio.sleep(1.0)  # Zalo tried meanwhile, several times
        assert not task.done()
        if fault == "502":
            zalo.outage = None
            assert "LỪA ĐẢO" in await zalo_answers(zalo, "6ede9afa66b88fe6d6a9")
    waits = problems(caplog)
    assert len(waits) >= 2 and all(line.startswith("WARNING the Zalo Bot API cannot be reached") for line in waits)
    assert_no_traceback(caplog)


async def test_a_few_zalo_refusals_in_a_row_are_not_fatal(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture,
        quick_retries: None) -> None:
    telegram, zalo = apis
    async with both_platforms(config, telegram, zalo):
        await zalo.wait_for(lambda: len(zalo.polls()) >= 1)
        zalo.refuse["getUpdates"] = 404
        await zalo.wait_for(lambda: sum(c.status == 404 for c in zalo.polls()) >= zalo_run.REFUSALS_IN_A_ROW - 1)
        del zalo.refuse["getUpdates"]
        assert "LỪA ĐẢO" in await zalo_answers(zalo, "6ede9afa66b88fe6d6a9")
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5001)
    assert all(line.startswith("WARNING Zalo getUpdates failed (Zalo Bot API error 404") for line in problems(caplog))
    assert_no_traceback(caplog)


async def test_zalo_refusing_polls_for_good_is_retried_later_while_telegram_serves(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture,
        quick_retries: None) -> None:
    telegram, zalo = apis
    async with both_platforms(config, telegram, zalo) as task:
        await zalo.wait_for(lambda: len(zalo.polls()) >= 1)
        zalo.refuse["getUpdates"] = 401
        await zalo.wait_for(lambda: sum(c.method == "getMe" for c in zalo.calls) >= 2)  # given up, started again
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5001)
        del zalo.refuse["getUpdates"]
        assert "LỪA ĐẢO" in await zalo_answers(zalo, "6ede9afa66b88fe6d6a9")
        assert not task.done()
    assert ("ERROR Zalo refused getUpdates 5 times in a row (Zalo Bot API error 401: Unauthorized): check "
            "ZALO_BOT_TOKEN; Telegram keeps serving; Zalo is tried again in 0 s") in problems(caplog)
    assert_no_traceback(caplog)


async def test_telegram_refusing_the_token_mid_run_is_fatal_only_after_several_in_a_row(
        config: Config, caplog: pytest.LogCaptureFixture, quick_retries: None) -> None:
    async with running(FakeBotApi()) as api:
        config = replace(config, telegram=TelegramConfig(token=api.token, base_url=api.base_url,
                                                         base_file_url=api.base_file_url, poll_timeout=1))
        stop = asyncio.Event()
        task = asyncio.create_task(serve(config, stop, handle_signals=False))
        try:
            assert "LỪA ĐẢO" in await telegram_answers(api, 5001)
            failed = len(caplog.records)
            api.refuse_token = True  # fewer times in a row than REFUSALS_IN_A_ROW: a glitch
            await api.wait_for(lambda: api.refusals >= polling.REFUSALS_IN_A_ROW - 1)
            api.refuse_token = False
            assert "LỪA ĐẢO" in await telegram_answers(api, 5002)
            assert not task.done()
            assert [r.getMessage() for r in caplog.records[failed:] if r.levelno >= logging.WARNING] == [
                "getUpdates failed (Unauthorized); retrying in 0 s"] * (polling.REFUSALS_IN_A_ROW - 1)
            api.refuse_token = True  # for good: alone, the bot stops with the start-up's line
            with pytest.raises(StartupError, match=r"^Telegram refused the token \(401\): check TELEGRAM_BOT_TOKEN$"):
                await asyncio.wait_for(asyncio.shield(task), 30)
        finally:
            stop.set()
            await asyncio.gather(task, return_exceptions=True)
    assert_no_traceback(caplog)


async def test_telegram_given_up_mid_run_is_started_again_while_zalo_serves(
        config: Config, apis: tuple[FakeBotApi, FakeZaloApi], caplog: pytest.LogCaptureFixture,
        quick_retries: None) -> None:
    telegram, zalo = apis
    async with both_platforms(config, telegram, zalo):
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5001)
        telegram.refuse_token = True
        await telegram.wait_for(lambda: any("Telegram is tried again" in r.getMessage() for r in caplog.records))
        assert "LỪA ĐẢO" in await zalo_answers(zalo, "6ede9afa66b88fe6d6a9")
        telegram.refuse_token = False
        assert "LỪA ĐẢO" in await telegram_answers(telegram, 5002)  # the restarted Application answers
    assert_no_traceback(caplog)


def test_the_back_off_doubles_up_to_its_cap() -> None:
    assert [startup.back_off(600, 3600, n) for n in range(1, 6)] == [600, 1200, 2400, 3600, 3600]
    assert [startup.back_off(polling.CONFLICT_FIRST, polling.CONFLICT_MAX, n) for n in range(1, 7)] == [
        30, 60, 120, 240, 300, 300]  # after a 409 Conflict: half a minute, then up to five


def test_durations_read_in_minutes_past_two() -> None:
    assert (runner.duration(5), runner.duration(600)) == ("5 s", "10 min")
