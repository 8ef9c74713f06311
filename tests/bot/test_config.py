from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import SHIPPED_CATALOGUE, ConfigError, load_config, parse_config
from bot.groups.policy import GroupPolicy, WatchMode

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_documented() -> None:
    config = load_config(REPO / "config.example.yaml", environ={})
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.catalogue == REPO / "data" / "known_rumors.yaml"
    assert config.language == "vi"
    assert config.thresholds.match >= config.thresholds.possible
    assert config.thresholds.sibling_margin == 10


def test_the_sibling_margin_is_configured_with_the_thresholds(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "matching:\n  sibling_margin: 0\n"), environ={})
    assert config.thresholds.sibling_margin == 0


def test_environment_token_wins(tmp_path: Path) -> None:
    from_file, from_env = "1111111:from-the-file_AAAAAAAAAAAAAAAAAA", "2222222:from-the-env_BBBBBBBBBBBBBBBBBBB"
    path = write(tmp_path, f'telegram:\n  token: "{from_file}"\n')
    assert load_config(path, environ={}).telegram.token == from_file
    assert load_config(path, environ={"TELEGRAM_BOT_TOKEN": from_env}).telegram.token == from_env


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "database: data/kc.db\ncatalogue: rumors.yaml\n"), environ={})
    assert config.database == tmp_path / "data" / "kc.db"
    assert config.catalogue == tmp_path / "rumors.yaml"


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, environ={})
    assert config.catalogue == SHIPPED_CATALOGUE
    assert config.database == tmp_path / "kiemchung.db"
    assert config.source == "built-in defaults"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("databse: x.db\n", "databse"),
        ("telegram:\n  tokn: x\n", "telegram.tokn"),
        ("owners: 12345\n", "owners"),
        ("owners: [abc]\n", "owners"),
        ("officers_chat: general\n", "officers_chat"),
        ("language: fr\n", "language"),
        ("telegram:\n  base_url: api.telegram.org\n", "telegram.base_url"),
        ("matching:\n  match_threshold: 150\n", "matching.match_threshold"),
        ("matching:\n  match_threshold: 50\n  possible_threshold: 70\n", "matching.possible_threshold"),
        ("matching:\n  sibling_margin: -5\n", "matching.sibling_margin"),
        ("telegram: yes\n", "telegram"),
        ("groups:\n  default_mode: loud\n", "groups.default_mode"),
        ("groups:\n  cooldown: 6\n", "groups.cooldown"),
        ("groups:\n  checks_per_minute: 0\n", "groups.checks_per_minute"),
        ("groups:\n  warn_cooldown_hours: -1\n", "groups.warn_cooldown_hours"),
        ("matching:\n  semantic:\n    enabled: maybe\n", "matching.semantic.enabled"),
        ("matching:\n  semantic:\n    threshold: 40\n", "matching.semantic.threshold"),
        ("matching:\n  semantic:\n    model: e5\n", "matching.semantic.model"),
        ("indicators:\n  scam_domain_lists: lists/vn.txt\n", "indicators.scam_domain_lists"),
        ("indicators:\n  scam_lists: [a.txt]\n", "indicators.scam_lists"),
        ("signs:\n  threshold: high\n", "signs.threshold"),
    ],
)
def test_a_bad_key_is_one_line_naming_it(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), environ={})
    message = str(info.value)
    assert f": {key}: " in message
    assert "\n" not in message


def test_the_semantic_signal_is_off_by_default_and_caches_beside_the_database(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "database: data/kc.db\n"), environ={})
    assert not config.semantic.enabled
    assert config.semantic.cache == tmp_path / "data" / "kc-embeddings.npz"
    on = load_config(write(tmp_path, "matching:\n  semantic:\n    enabled: true\n    threshold: 0.5\n"), environ={})
    assert on.semantic.enabled and on.semantic.threshold == 0.5


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line 2"):
        load_config(write(tmp_path, "database: a\nowners: b: c\n"), environ={})


def test_token_is_listed_as_secret(tmp_path: Path) -> None:
    token = "9999999:secret-part-of-the-token_xyz"
    config = load_config(write(tmp_path, ""), environ={"TELEGRAM_BOT_TOKEN": token})
    assert config.secrets == (token,)


def test_groups_section(tmp_path: Path) -> None:
    text = "groups:\n  default_mode: off\n  warn_cooldown_hours: 1.5\n  min_warn_words: 12\n  checks_per_minute: 3\n"
    groups = load_config(write(tmp_path, text), environ={}).groups
    assert groups == GroupPolicy(WatchMode.OFF, dt.timedelta(minutes=90), 12, 3)


def test_unquoted_on_and_off_are_modes_not_booleans(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "groups:\n  default_mode: on\n"), environ={}).groups.default_mode == "warn"


def test_example_config_states_the_built_in_group_defaults() -> None:
    assert load_config(REPO / "config.example.yaml", environ={}).groups == GroupPolicy()


def test_digest_is_weekly_by_default_and_can_be_moved_or_turned_off(tmp_path: Path) -> None:
    default = load_config(write(tmp_path, "{}\n"), environ={}).digest
    assert (default.enabled, default.weekday, default.hour) == (True, 0, 8)
    moved = load_config(write(tmp_path, "digest:\n  weekday: Chủ nhật\n  hour: 20\n"), environ={}).digest
    assert (moved.enabled, moved.weekday, moved.hour) == (True, 6, 20)
    assert load_config(write(tmp_path, "digest: off\n"), environ={}).digest.enabled is False
    with pytest.raises(ConfigError, match=r"digest\.weekday: must be a day name"):
        load_config(write(tmp_path, "digest:\n  weekday: someday\n"), environ={})
    with pytest.raises(ConfigError, match=r"digest\.hour"):
        load_config(write(tmp_path, "digest:\n  hour: 24\n"), environ={})


def test_retention_and_private_limit(tmp_path: Path) -> None:
    assert parse_config({}, "config.yaml", tmp_path, {}).retention_days is None
    config = parse_config({"retention_days": 30, "private_messages_per_minute": 10}, "config.yaml", tmp_path, {})
    assert (config.retention_days, config.private_messages_per_minute) == (30, 10)
    with pytest.raises(ConfigError, match="retention_days: must be a number from 1"):
        parse_config({"retention_days": 0}, "config.yaml", tmp_path, {})


def test_scam_domain_lists_follow_the_config_file_and_signs_have_a_threshold(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "indicators:\n  scam_domain_lists: [lists/vn.txt, /etc/hosts-vn]\n"
                                         "signs:\n  threshold: 0.8\n"), environ={})
    assert config.indicators.scam_domain_lists == (tmp_path / "lists" / "vn.txt", Path("/etc/hosts-vn"))
    assert config.signs.threshold == 0.8
    defaults = load_config(write(tmp_path, "language: vi\n"), environ={})
    assert defaults.indicators.scam_domain_lists == ()
    assert defaults.signs.threshold == load_config(REPO / "config.example.yaml", environ={}).signs.threshold
