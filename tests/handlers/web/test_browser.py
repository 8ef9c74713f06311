"""The web desk in a real browser (headless Chromium), served by the real bot against the fake Bot API:
an officer signs in with the link from /web, works the review queue, the catalogue and the figures.

One browser serves the whole module (starting Chromium costs a second or two). With KIEMCHUNG_SCREENSHOTS
set to a folder, the pages shown in the README are saved there (docs/web/*.png).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Config, WebConfig
from tests.conftest import RunningBot, bot_serving
from tests.fake_bot_api import FakeBotApi
from tests.handlers.web.browser import DESKTOP, PHONE, Browser, require_chromium
from tests.handlers.web.conftest import HOSTILE
from tests.updates import HUNG, LAN, MINH, OFFICERS_CHAT, THU, command_update, forwarded_from_channel, text_update

SALT = "Mẹ em bắt cả nhà ngày nào cũng pha muối i-ốt uống vì sợ nhiễm xạ từ Nhật, vậy có đúng không ạ?"
GAO = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"
GAO_AGAIN = "Tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, bà con mang sổ hộ khẩu ra nhận nha"
GAO_SOURCE = "https://minhan.example/khong-co-chuong-trinh-phat-gao"
LINK = re.compile(r'href="(http://127\.0\.0\.1:\d+/login/[\w-]+)"')


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    require_chromium()
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.quit()


def free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def config(config: Config) -> Config:
    port = free_port()
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"],
                   web=WebConfig(("127.0.0.1", port), f"http://127.0.0.1:{port}"))


@pytest.fixture
async def desk_bot(fake_api: FakeBotApi, config: Config) -> AsyncIterator[RunningBot]:
    async with bot_serving(fake_api, config) as bot:
        assert config.web.listen is not None
        for _ in range(100):  # the desk starts beside the polling: wait until it listens
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(*config.web.listen)
                writer.close()
                break
            await asyncio.sleep(0.05)
        yield bot


def screenshots() -> Path | None:
    folder = os.environ.get("KIEMCHUNG_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


async def login_link(bot: RunningBot) -> str:
    [answer] = await bot.send(command_update("/web", THU))
    found = LINK.search(answer["text"])
    assert found is not None, answer["text"]
    return html.unescape(found.group(1))


async def fits_the_screen(browser: Browser) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    return bool(await browser.script("return document.documentElement.scrollWidth <= window.innerWidth"))


async def test_an_officer_works_the_desk_in_a_browser(desk_bot: RunningBot, browser: Browser, config: Config) -> None:
    bot, shots = desk_bot, screenshots()
    # the end-to-end scenario's pending reports: a retold rumor asked twice, a new one, a hostile text
    await bot.send(text_update(SALT, LAN), expect=2)  # the answer, and the officers' card
    await bot.send(forwarded_from_channel(SALT + " 😟", MINH))
    await bot.send(text_update(GAO, LAN), expect=2)
    await bot.send(text_update(HOSTILE, MINH), expect=2)
    [salt_id, _, gao_id, hostile_id] = [row["id"] for row in bot.reports()]

    # signing in: the link from /web, its confirmation page, the queue
    link = await login_link(bot)
    await browser.open(link)
    await browser.click('form[data-action="login"] button')
    assert browser.url.endswith("/queue"), await browser.text()
    rows = await browser.find_all("[data-report-id]")
    shown = [int(await browser.run(r.get_attribute, "data-report-id")) for r in rows]
    assert shown == [hostile_id, gao_id, salt_id + 1]
    salt = f'[data-report-id="{salt_id + 1}"]'
    assert "2 người hỏi" in await browser.text(salt)
    assert "Chuyển tiếp từ kênh «Tin Nóng Miền Trung 24h»" in await browser.text(salt)
    # the hostile report is text: no element, no handler, no javascript: link of its own, no dialog
    hostile = f'[data-report-id="{hostile_id}"]'
    assert '<script>alert("xss")</script>' in await browser.text(hostile + " blockquote")
    assert await browser.find_all(hostile + " blockquote *") == []
    assert await browser.script("return document.scripts.length") == 0
    assert await browser.script("return document.querySelectorAll('[onerror], a[href^=\"javascript:\"]').length") == 0
    if shots:
        await browser.screenshot(shots / "queue.png")
    await browser.resize(PHONE)
    assert await fits_the_screen(browser)
    await browser.resize(DESKTOP)
    # the link is used up: opened again, it says so and opens nothing
    await browser.open(link)
    assert "đã được dùng" in await browser.text()
    await browser.open(config.web.public_url + "/queue")

    # link the retold rumor to its entry, found without accents: both askers hear back
    await browser.click(salt + ' a[href^="/reports/"]')
    await browser.fill('form.search input[name="q"]', "muoi i-ot phong xa")
    await browser.click('form.search button')
    await browser.click('.found [data-action="link"] button')
    assert "Đã gắn 2 báo cáo vào tin muoi-iot-chong-phong-xa" in await browser.text(".flash")
    await bot.api.wait_for(lambda: all(
        any("Cập nhật về tin bạn đã hỏi" in m.get("text", "") for m in bot.api.messages_in(user["id"]))
        for user in (LAN, MINH)))
    follow_up = next(m for m in bot.api.messages_in(MINH["id"]) if "Cập nhật" in m.get("text", ""))
    assert "muoi-iot-chong-phong-xa" in follow_up["text"] and "Bộ Y tế" in follow_up["text"]

    # a new entry from the other report: its text prefilled, saved, matched by the next message at once
    await browser.click(f'[data-report-id="{gao_id}"] [data-action="create"] button')
    assert await browser.attribute("#f-claim", "value") == GAO
    await browser.fill("#f-claim", GAO_AGAIN.split(",")[0] + ".")
    await browser.choose("#f-verdict", "false")
    await browser.fill("#f-summary", "UBND phường Minh An không có chương trình phát gạo nào; đừng mang giấy tờ "
                                     "đi nhận.")
    await browser.fill("#f-source", GAO_SOURCE)
    await browser.fill("#f-publisher", "UBND phường Minh An")
    await browser.click('form[data-action="create"] button[type="submit"]')
    assert "/entries/" in browser.url, await browser.text()
    assert "Đã thêm tin" in await browser.text(".flash")
    entry_id = browser.url.rsplit("/", 1)[1]
    assert await browser.find_all(f'[data-entry-id="{entry_id}"]')
    [answer] = await bot.send(text_update(GAO_AGAIN, HUNG))
    assert "SAI SỰ THẬT" in answer["text"] and GAO_SOURCE in answer["text"]
    assert bot.reports()[-1]["rumor_id"] == entry_id
    if shots:
        await browser.screenshot(shots / "entry.png")

    # an edit with an invalid source: the error at its field, nothing saved
    await browser.open(config.web.public_url + "/entries/vneid-link-cai-dat-gia")
    await browser.click('form[action$="/edit"] button')
    await browser.fill("#f-source", "congan-hoian-khong-phai-link")
    await browser.click('form[data-action="edit"] button[type="submit"]')
    error = await browser.text('[data-field-error="source"]')
    assert "http" in error
    assert await browser.attribute("#f-source", "aria-invalid") == "true"
    # nothing saved: the entry is still the shipped one (only the linked and the new entry are stored)
    assert {row["id"] for row in bot.rows("SELECT id FROM entries")} == {"muoi-iot-chong-phong-xa", entry_id}
    await browser.resize(PHONE)
    assert await fits_the_screen(browser)
    await browser.resize(DESKTOP)

    # the figures, with the chart drawn for the period
    await browser.open(config.web.public_url + "/figures")
    assert "Lượt hỏi" in await browser.text(".numbers")
    width = await browser.script("const i = document.querySelector('.chart img'); "
                                 "return i && i.complete ? i.naturalWidth : 0")
    assert width == 1080
    if shots:
        await browser.screenshot(shots / "figures.png")
    await browser.resize(PHONE)
    assert await fits_the_screen(browser)
    await browser.resize(DESKTOP)

    # the hostile report dismissed; the audit shows who did what, from the web
    await browser.open(config.web.public_url + "/queue")
    await browser.click(f'{hostile} [data-action="dismiss"] button')
    assert "Đã bỏ qua 1 báo cáo" in await browser.text(".flash")
    actions = [(row["action"], row["chat_id"]) for row in bot.rows("SELECT action, chat_id FROM audit ORDER BY id")]
    assert actions == [("web_login", "web"), ("link", "web"), ("create", "web"), ("dismiss", "web")]
    await browser.open(config.web.public_url + "/audit")
    assert await browser.script("return document.scripts.length") == 0
    await browser.click('form[action="/logout"] button')
    await browser.open(config.web.public_url + "/queue")
    assert "Cần đăng nhập" in await browser.text()
