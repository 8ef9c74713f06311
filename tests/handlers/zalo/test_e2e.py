"""End to end on Zalo: the real adapter over HTTP against the fake Zalo Bot API, and the SQLite file."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from bot.config import Config, ZaloConfig
from handlers.runner import serve
from tests.conftest import CATALOGUE
from tests.fake_zalo_api import FakeZaloApi, text_event
from tests.local_server import running
from tests.postgres_server import rows
from tests.screenshots import needs_ocr, screenshot
from tests.updates import SCAM_SMS, VNEID_RUMOR, VNEID_SOURCE

ORDINARY = "Tối nay nhà văn hóa khối phố chiếu phim miễn phí cho các cháu thiếu nhi, mời bà con đến xem."
SECRET = "hoi-an-webhook-secret-2026"


@pytest.fixture
async def zalo_api() -> AsyncIterator[FakeZaloApi]:
    async with running(FakeZaloApi()) as server:
        yield server


@dataclass
class RunningZalo:
    api: FakeZaloApi
    config: Config
    webhook: str = ""

    def reports(self) -> list[Any]:
        return rows(self.config.database, "SELECT * FROM reports ORDER BY id")

    async def answer(self, update: dict[str, Any], count: int = 1) -> list[str]:
        before = len(self.api.sent())
        await self.api.push(update)
        await self.api.wait_for(lambda: len(self.api.sent()) >= before + count)
        await self.api.drained(quiet=0.5)
        return self.api.sent()[before:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def start(config: Config) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(config, stop, handle_signals=False))
    return stop, task


@pytest.fixture
async def zalo_bot(zalo_api: FakeZaloApi, config: Config) -> AsyncIterator[RunningZalo]:
    settings = ZaloConfig(token=zalo_api.token, base_url=zalo_api.base_url, poll_timeout=1,
                          officers=("a1b2c3d4e5f60718293a",))
    config = replace(config, zalo=settings)
    stop, task = await start(config)
    await zalo_api.wait_for(lambda: len(zalo_api.polls()) >= 1 or task.done())
    try:
        yield RunningZalo(zalo_api, config)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_known_rumor_gets_one_plain_answer_with_the_source_url(zalo_bot: RunningZalo) -> None:
    [answer] = await zalo_bot.answer(text_event(VNEID_RUMOR))
    assert "LỪA ĐẢO" in answer
    assert VNEID_SOURCE in answer
    assert "<" not in answer and "href" not in answer  # plain text, sources as bare URLs
    assert "Trả lời tự động" in answer  # Zalo's terms: say it is a bot
    [report] = zalo_bot.reports()
    assert (report["platform"], report["band"], report["rumor_id"]) == ("zalo", "match", "vneid-link-cai-dat-gia")
    assert report["chat_id"] == "6ede9afa66b88fe6d6a9"


async def test_unknown_text_is_recorded_for_officers(zalo_bot: RunningZalo) -> None:
    [answer] = await zalo_bot.answer(text_event(ORDINARY))
    assert "cán bộ" in answer and "http" not in answer
    [report] = zalo_bot.reports()
    assert (report["platform"], report["band"], report["text"]) == ("zalo", "none", ORDINARY)


async def test_idle_polls_are_quiet_and_a_replayed_update_is_answered_once(
    zalo_bot: RunningZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await zalo_bot.api.wait_for(lambda: sum(c.status == 408 for c in zalo_bot.api.polls()) >= 2)
    zalo_bot.api.redeliver = True
    update = text_event(VNEID_RUMOR)
    await zalo_bot.answer(update)
    await zalo_bot.api.drained()
    assert len(zalo_bot.api.sent()) == 1
    assert len(zalo_bot.reports()) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    polls = zalo_bot.api.polls()
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls) if a.status == 200]
    assert gaps and min(gaps) >= 0.95  # at least a second between polls, even right after an update


async def test_bots_and_the_bots_own_messages_are_dropped(zalo_bot: RunningZalo) -> None:
    await zalo_bot.api.push(text_event(VNEID_RUMOR, user_id="2741983650123456789", is_bot=True))
    await zalo_bot.api.drained()
    assert zalo_bot.api.sent() == [] and zalo_bot.reports() == []


async def test_images_stickers_and_unsupported_events(zalo_bot: RunningZalo) -> None:
    missing = zalo_bot.api.file_url("p.jpg")  # not on the fake CDN: the download fails
    [no_caption] = await zalo_bot.answer(text_event("", event="message.image.received", photo=missing))
    assert "ảnh" in no_caption
    [captioned] = await zalo_bot.answer(text_event("", event="message.image.received",
                                                   photo=missing, caption=VNEID_RUMOR))
    assert VNEID_SOURCE in captioned
    [sticker] = await zalo_bot.answer(text_event("", event="message.sticker.received", sticker="abc"))
    assert "chữ" in sticker
    [unsupported] = await zalo_bot.answer(text_event("", event="message.unsupported.received"))
    assert "chữ" in unsupported
    assert len(zalo_bot.reports()) == 1


async def test_group_mentions_check_the_mentioned_text(zalo_bot: RunningZalo) -> None:
    group = "9f8e7d6c5b4a39281706"
    [answer] = await zalo_bot.answer(text_event(f"@Bot Kiểm Chứng {VNEID_RUMOR}", chat_type="GROUP", chat_id=group))
    assert VNEID_SOURCE in answer
    [hint] = await zalo_bot.answer(text_event("@Bot Kiểm Chứng có thật không?", chat_type="GROUP", chat_id=group))
    assert "nhắc" in hint
    assert zalo_bot.api.sent(group) == [answer, hint]
    [report] = zalo_bot.reports()
    assert (report["chat_type"], report["chat_id"]) == ("group", group)


async def test_a_long_answer_is_split_into_valid_messages(zalo_api: FakeZaloApi, config: Config,
                                                          tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    data["rumors"][0]["summary"] = " ".join(["Công an không bao giờ gửi đường link cài VNeID qua tin nhắn."] * 45)
    long_catalogue = tmp_path / "long.yaml"
    long_catalogue.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = replace(config, catalogue=long_catalogue,
                     zalo=ZaloConfig(token=zalo_api.token, base_url=zalo_api.base_url, poll_timeout=1))
    stop, task = await start(config)
    try:
        bot = RunningZalo(zalo_api, config)
        answers = await bot.answer(text_event(VNEID_RUMOR), count=2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert sum(len(a) for a in answers) > 2000
    assert all(1 <= len(a) <= 2000 for a in answers)
    assert VNEID_SOURCE in "\n".join(answers)


async def test_officers_are_warned_once_near_the_monthly_quota(zalo_api: FakeZaloApi, config: Config) -> None:
    officer = "a1b2c3d4e5f60718293a"
    config = replace(config, zalo=ZaloConfig(token=zalo_api.token, base_url=zalo_api.base_url, poll_timeout=1,
                                             officers=(officer,), monthly_quota=5, quota_warning=0.6))
    stop, task = await start(config)
    try:
        bot = RunningZalo(zalo_api, config)
        for _ in range(5):
            await bot.answer(text_event(ORDINARY))
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    warnings = zalo_api.sent(officer)
    assert len(warnings) == 1 and "3/5" in warnings[0]


async def test_webhook_checks_the_secret_and_takes_flat_and_wrapped_bodies(zalo_api: FakeZaloApi,
                                                                          config: Config) -> None:
    port = free_port()
    settings = ZaloConfig(token=zalo_api.token, base_url=zalo_api.base_url, mode="webhook",
                          webhook_url="https://kiemchung.example/zalo/hook", secret_token=SECRET,
                          listen=("127.0.0.1", port))
    config = replace(config, zalo=settings)
    stop, task = await start(config)
    url = f"http://127.0.0.1:{port}/zalo/hook"
    try:
        await zalo_api.wait_for(lambda: zalo_api.webhook is not None or task.done())
        assert zalo_api.webhook == {"url": settings.webhook_url, "updated_at": zalo_api.webhook["updated_at"]}
        async with aiohttp.ClientSession() as http:
            missing = await http.post(url, json=text_event(VNEID_RUMOR))
            wrong = await http.post(url, json=text_event(VNEID_RUMOR), headers={"X-Bot-Api-Secret-Token": "nope"})
            assert (missing.status, wrong.status) == (401, 403)
            flat = await http.post(url, json=text_event(VNEID_RUMOR), headers={"X-Bot-Api-Secret-Token": SECRET})
            wrapped = await http.post(url, json={"ok": True, "result": text_event(ORDINARY)},
                                      headers={"X-Bot-Api-Secret-Token": SECRET})
            garbage = await http.post(url, data=b"not json", headers={"X-Bot-Api-Secret-Token": SECRET})
            assert (flat.status, wrapped.status, garbage.status) == (200, 200, 400)
        await zalo_api.wait_for(lambda: len(zalo_api.sent()) >= 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    bot = RunningZalo(zalo_api, config)
    assert sorted(r["text"] for r in bot.reports()) == sorted([VNEID_RUMOR, ORDINARY])
    assert any(VNEID_SOURCE in text for text in zalo_api.sent())
    assert zalo_api.polls() == []  # webhook mode never polls


async def test_a_scam_no_entry_describes_gets_the_suspicious_answer_on_zalo(zalo_bot: RunningZalo) -> None:
    [answer] = await zalo_bot.answer(text_event(SCAM_SMS))
    assert "dấu hiệu lừa đảo" in answer and "vietcombank.com.vn" in answer
    assert "<" not in answer  # plain text
    [report] = zalo_bot.reports()
    assert (report["platform"], report["band"], report["rumor_id"]) == ("zalo", "suspicious", None)


@needs_ocr
async def test_a_screenshot_from_its_photo_url_gets_the_verdict(zalo_bot: RunningZalo) -> None:
    zalo_bot.api.files["shot.jpg"] = screenshot(VNEID_RUMOR, fmt="JPEG")
    [answer] = await zalo_bot.answer(text_event("", event="message.image.received",
                                                photo=zalo_bot.api.file_url("shot.jpg")))
    assert "đọc chữ trong ảnh" in answer
    assert VNEID_SOURCE in answer
    assert zalo_bot.reports()[0]["rumor_id"] == "vneid-link-cai-dat-gia"


async def test_an_update_a_crash_cut_off_is_answered_at_the_next_start(zalo_api: FakeZaloApi, config: Config) -> None:
    """Zalo never gives an update twice, so one stored and not finished (the process died while
    answering it) is answered from the inbox when the bot starts again; and only once."""
    from bot.store.inbox import stored_form
    from bot.store.storage import Storage

    update = text_event(VNEID_RUMOR, user_id="7c1e2d3f4a5b6c7d8e9f")
    storage = await Storage.open(config.database)
    await storage.inbox.store("zalo", [(update["message"]["message_id"], stored_form(update))])
    await storage.close()
    settings = ZaloConfig(token=zalo_api.token, base_url=zalo_api.base_url, poll_timeout=1)
    stop, task = await start(replace(config, zalo=settings))
    try:
        await zalo_api.wait_for(lambda: len(zalo_api.sent("7c1e2d3f4a5b6c7d8e9f")) >= 1)
        await zalo_api.push(update)  # and if Zalo did give it again, it is not answered twice
        await zalo_api.drained(quiet=1.0)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    [answer] = zalo_api.sent("7c1e2d3f4a5b6c7d8e9f")
    assert VNEID_SOURCE in answer
    assert rows(config.database, "SELECT COUNT(*) FROM inbox WHERE platform = 'zalo' AND done_at IS NULL")[0][0] == 0
    assert rows(config.database, "SELECT COUNT(*) FROM reports")[0][0] == 1
