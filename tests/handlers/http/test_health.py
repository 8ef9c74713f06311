"""GET /healthz and GET /metrics while the real bot runs against the fake Bot API."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.config import Config, HttpConfig
from tests.conftest import bot_serving, until_handled
from tests.fake_bot_api import FakeBotApi
from tests.updates import ORDINARY_MESSAGES, VNEID_RUMOR, forwarded_from_channel, text_update


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sample(metrics: str, name: str, labels: str = "") -> float:
    """One sample of the Prometheus text format (0 when absent)."""
    match = re.search(rf"^{re.escape(name)}{re.escape('{' + labels + '}') if labels else ''} (\S+)$", metrics, re.M)
    return float(match.group(1)) if match else 0.0


async def test_health_and_metrics_answer_and_move_with_the_traffic(fake_api: FakeBotApi, config: Config) -> None:
    port = free_port()
    config = replace(config, http=HttpConfig(("127.0.0.1", port)))
    base = f"http://127.0.0.1:{port}"
    async with bot_serving(fake_api, config) as bot, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        assert health["ok"] is True and health["database"]["ok"] is True
        assert health["database"]["path"] == str(config.database)
        assert set(health["platforms"]) == {"telegram"} and health["platforms"]["telegram"]["ok"] is True
        assert health["inbox_backlog"] == {}
        async with http.get(f"{base}/metrics") as response:
            assert response.status == 200 and response.content_type == "text/plain"
            before = await response.text()
        updates = [forwarded_from_channel(VNEID_RUMOR), text_update(ORDINARY_MESSAGES[1]),
                   text_update("Nghe nói ngân hàng sắp khoá hết tài khoản chưa cập nhật căn cước, thật không?")]
        for update in updates:
            await fake_api.push(update)
        await until_handled(fake_api, bot.config.database)
        async with http.get(f"{base}/metrics") as response:
            after = await response.text()
        async with http.get(f"{base}/healthz") as response:
            health = await response.json()
    received = 'platform="telegram"'
    assert sample(after, "kiemchung_updates_received_total", received) - sample(
        before, "kiemchung_updates_received_total", received) == len(updates)
    assert sample(after, "kiemchung_updates_handled_total", received) - sample(
        before, "kiemchung_updates_handled_total", received) == len(updates)
    assert sample(after, "kiemchung_answers_total", 'band="match"') - sample(
        before, "kiemchung_answers_total", 'band="match"') == 1
    assert sample(after, "kiemchung_check_seconds_count") - sample(before, "kiemchung_check_seconds_count") == 3
    assert sample(after, "kiemchung_reports_pending") == 2  # the unknown claim and the ordinary message
    assert sample(after, "kiemchung_inbox_backlog", received) == 0
    assert "kiemchung_send_failures_total" in after or "kiemchung_send_failures" in after
    assert health["platforms"]["telegram"]["seconds_since"] < 60


async def test_health_is_503_when_the_database_fails(fake_api: FakeBotApi, config: Config, tmp_path: Path) -> None:
    port = free_port()
    config = replace(config, http=HttpConfig(("127.0.0.1", port)))
    async with bot_serving(fake_api, config) as bot, aiohttp.ClientSession() as http:
        from handlers.http.server import health

        await bot.api.settle()
        # the database connection closed under the running bot: every query fails from here on
        from bot.core import Core
        from handlers.http.metrics import METRICS

        core = await Core.open(config)
        await core.close()
        report, healthy = await health(core, METRICS, 0.0)
        assert healthy is False and report["database"]["ok"] is False
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200  # the running bot's own database is fine
