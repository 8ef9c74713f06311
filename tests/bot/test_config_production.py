"""Configuration for a real server: Telegram's webhook, the token's form, base URLs, health, the catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SHIPPED_CATALOGUE, ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
TOKEN = "7012345678:AAH-real_looking-secret-part-0123456"
WEBHOOK = {"mode": "webhook", "webhook_url": "https://bot.congan.example/telegram/hook",
           "secret_token": "s3cret-from-file", "listen": "127.0.0.1:9000", "max_connections": 10}


def test_telegram_webhook_has_the_zalo_shape_and_the_environment_secret_wins(tmp_path: Path) -> None:
    config = parse_config({"telegram": WEBHOOK}, "cfg.yaml", tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
    telegram = config.telegram
    assert (telegram.mode, telegram.webhook_path, telegram.listen, telegram.max_connections) == (
        "webhook", "/telegram/hook", ("127.0.0.1", 9000), 10)
    assert telegram.secret_token == "s3cret-from-file"
    assert "s3cret-from-file" in config.secrets
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "from_the_environment"}
    assert parse_config({"telegram": WEBHOOK}, "cfg.yaml", tmp_path, environ).telegram.secret_token == (
        "from_the_environment")


@pytest.mark.parametrize(("change", "message"), [
    ({"webhook_url": "http://bot.example/hook"}, "telegram.webhook_url: webhook mode needs the public https://"),
    ({"secret_token": "short"}, "telegram.secret_token: webhook mode needs 8-256"),
    ({"secret_token": "has spaces in it"}, "telegram.secret_token: webhook mode needs 8-256"),
    ({"mode": "push"}, "telegram.mode: must be polling or webhook"),
    ({"max_connections": 500}, "telegram.max_connections: must be a number from 1 to 100"),
])
def test_a_webhook_config_that_cannot_work_is_one_line(tmp_path: Path, change: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config({"telegram": {**WEBHOOK, **change}}, "cfg.yaml", tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})


@pytest.mark.parametrize("token", ["123456", "abc:def", f"{TOKEN} extra", f'"{TOKEN}"', TOKEN[:20]])
def test_a_token_of_the_wrong_form_is_refused_at_load_without_echoing_it(tmp_path: Path, token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({}, "cfg.yaml", tmp_path, {"TELEGRAM_BOT_TOKEN": token})
    assert "telegram.token" in str(caught.value) and "BotFather" in str(caught.value)
    assert token not in str(caught.value)


@pytest.mark.parametrize("section", ["telegram", "zalo"])
def test_a_base_url_without_bot_is_refused(tmp_path: Path, section: str) -> None:
    with pytest.raises(ConfigError, match=f"{section}.base_url: must end with /bot"):
        parse_config({section: {"base_url": "https://bot-api.zaloplatforms.com"}}, "cfg.yaml", tmp_path, {})


def test_the_health_listener_is_off_by_default(tmp_path: Path) -> None:
    assert parse_config({}, "cfg.yaml", tmp_path, {}).http.listen is None
    assert parse_config({"http": {"listen": "127.0.0.1:9464"}}, "cfg.yaml", tmp_path, {}).http.listen == (
        "127.0.0.1", 9464)
    with pytest.raises(ConfigError, match=r"http\.listen: must be host:port"):
        parse_config({"http": {"listen": "9464"}}, "cfg.yaml", tmp_path, {})


def test_the_example_config_copied_anywhere_still_finds_the_shipped_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "etc" / "kiemchung" / "config.yaml"
    copy.parent.mkdir(parents=True)
    shutil.copy(REPO / "config.example.yaml", copy)
    config = load_config(copy, environ={})
    assert config.catalogue == SHIPPED_CATALOGUE and config.catalogue.exists()
    assert config.database == copy.parent / "kiemchung.db"  # other relative paths still follow the file
    own = tmp_path / "own.yaml"
    assert parse_config({"catalogue": "own.yaml"}, "cfg.yaml", tmp_path, {}).catalogue == own


def test_the_web_desk_is_off_by_default_and_on_with_its_address(tmp_path: Path) -> None:
    assert parse_config({}, "cfg.yaml", tmp_path, {}).web.listen is None
    web = parse_config({"web": {"listen": "127.0.0.1:8090", "public_url": "https://desk.congan.example/"}},
                       "cfg.yaml", tmp_path, {}).web
    assert (web.listen, web.public_url, web.secure) == (("127.0.0.1", 8090), "https://desk.congan.example", True)


@pytest.mark.parametrize(("section", "message"), [
    ({"listen": "127.0.0.1:8090"}, "web.public_url: web.listen needs the address officers open"),
    ({"listen": "127.0.0.1:8090", "public_url": "desk.example"}, "web.public_url: must be an http:// or https://"),
    ({"listen": "8090", "public_url": "https://desk.example"}, "web.listen: must be host:port"),
    ({"listen": "127.0.0.1:8090", "public_url": "https://desk.example", "port": 1}, "web.port: unknown key"),
])
def test_a_web_desk_config_that_cannot_work_is_one_line(tmp_path: Path, section: dict[str, object],
                                                         message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config({"web": section}, "cfg.yaml", tmp_path, {})
