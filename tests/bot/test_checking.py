from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.catalogue import load_catalogue
from bot.checking import ChatType, Checker, CheckRequest
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD
from bot.core import build_matcher
from bot.matching.claims import NotAClaim
from bot.matching.matcher import Band, MatchResult, Thresholds
from bot.signs.reader import DEFAULT_THRESHOLD, SignReader
from handlers.plain_text import render_plain
from tests.updates import BANK_NOTICE, SCAM_SMS


@pytest.fixture
def checker(catalogue_path: Path) -> Checker:
    catalogue = load_catalogue(catalogue_path)
    return Checker(build_matcher(catalogue.published, Thresholds(80, 62)), None)


def ask(text: str, has_media: bool = False) -> CheckRequest:
    return CheckRequest(platform="test", chat_id="1", chat_type=ChatType.PRIVATE, text=text, has_media=has_media)


async def test_match_answer_carries_verdict_summary_source_and_date(checker: Checker) -> None:
    answer = await checker.check(ask(
        "Điện lực thông báo: nhà bạn nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ tới nếu không "
        "chuyển khoản thanh toán ngay vào số tài khoản được cung cấp."))
    assert answer.band is Band.MATCH
    text = render_plain(answer.reply)
    assert "LỪA ĐẢO" in text
    assert "1900 1006" in text  # from the summary
    assert "https://evn.example/canh-bao-mao-danh-dien-luc" in text
    assert "02/06/2024" in text


async def test_true_entry_is_shown_as_true(checker: Checker) -> None:
    answer = await checker.check(ask(
        "Thông báo tạm ngừng cấp điện để bảo dưỡng lưới điện khu vực phường Minh An "
        "từ 7 giờ đến 11 giờ sáng Chủ nhật."))
    assert answer.band is Band.MATCH
    assert "ĐÚNG SỰ THẬT" in render_plain(answer.reply)


async def test_unknown_answer_has_no_source(checker: Checker) -> None:
    answer = await checker.check(ask("Mai nhà mình ăn giỗ ông nội, mọi người về sớm phụ nấu cơm nha."))
    assert answer.band is Band.NONE
    text = render_plain(answer.reply)
    assert "chưa có trong danh mục" in text
    assert "http" not in text


@pytest.mark.parametrize(("text", "media", "key"),
                         [("", True, "ảnh"), ("  ", False, "chuyển tiếp"), ("🙏🙏 !!!", False, "chuyển tiếp")])
async def test_no_text_gets_a_hint_and_is_not_matched(checker: Checker, text: str, media: bool, key: str) -> None:
    answer = await checker.check(ask(text, media))
    assert answer.band is Band.NONE
    assert key in render_plain(answer.reply)
    assert answer.report_id is None


async def test_english_locale(checker: Checker) -> None:
    request = ask("Mai nhà mình ăn giỗ ông nội, mọi người về sớm phụ nấu cơm nha.")
    answer = await checker.check(CheckRequest(**{**request.__dict__, "language": "en"}))
    assert "not in the catalogue" in render_plain(answer.reply)


@pytest.fixture
def checker_with_signs(catalogue_path: Path) -> Checker:
    catalogue = load_catalogue(catalogue_path)
    return Checker(build_matcher(catalogue.published, Thresholds(80, 62)), None, signs=SignReader())


async def test_a_scam_no_entry_describes_is_suspicious_with_its_signs_named(checker_with_signs: Checker) -> None:
    answer = await checker_with_signs.check(ask(SCAM_SMS))
    assert answer.band is Band.SUSPICIOUS
    assert answer.result.rumor is None  # it names no entry
    assert answer.signs is not None and {"brand_in_foreign_domain", "impersonation"} <= set(answer.signs.names)
    text = render_plain(answer.reply)
    assert "dấu hiệu lừa đảo" in text
    assert "vietcombank.com.vn" in text  # how to verify: the official address, typed by the person
    assert "Sai sự thật" not in text and "SAI SỰ THẬT" not in text


async def test_the_genuine_notice_is_not_suspicious(checker_with_signs: Checker) -> None:
    answer = await checker_with_signs.check(ask(BANK_NOTICE))
    assert answer.band is not Band.SUSPICIOUS
    assert answer.signs is not None and not answer.signs.suspicious


async def test_a_known_entry_wins_over_the_signs(checker_with_signs: Checker) -> None:
    answer = await checker_with_signs.check(ask(
        "Điện lực thông báo: nhà bạn nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ tới nếu không "
        "chuyển khoản thanh toán ngay vào số tài khoản được cung cấp."))
    assert answer.band is Band.MATCH


async def test_without_a_sign_reader_there_is_no_suspicious_band(checker: Checker) -> None:
    answer = await checker.check(ask(SCAM_SMS))
    assert answer.band is Band.NONE and answer.signs is None


def test_every_sign_has_a_label_in_both_languages() -> None:
    from bot.locale import get_locale
    from bot.signs.reader import SIGN_NAMES

    for language in ("vi", "en"):
        labels = {get_locale(language).t(f"sign.{name}") for name in SIGN_NAMES}
        assert len(labels) == len(SIGN_NAMES)


class MemoryLog:
    """The report log as the checker sees it, in memory: what was recorded, with which reason."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, Band, NotAClaim | None]] = []

    async def record(self, request: CheckRequest, result: MatchResult, not_a_claim: NotAClaim | None = None) -> int:
        self.recorded.append((request.text, result.band, not_a_claim))
        return len(self.recorded)


@pytest.fixture
def logged(catalogue_path: Path) -> tuple[Checker, MemoryLog]:
    log = MemoryLog()
    return Checker(build_matcher(load_catalogue(catalogue_path).published, Thresholds(80, 62)), log), log


RECORDED = "ghi lại để cán bộ"


@pytest.mark.parametrize(("text", "reason", "hint"), [
    ("chào bot", NotAClaim.GREETING, "kiểm tra tin đồn và lừa đảo"),
    ("cam on bot nhieu nha", NotAClaim.THANKS, "Không có gì"),
    ("haha ok", NotAClaim.CHATTER, "dán nguyên văn"),
    ("tin này thật ko?", NotAClaim.BARE_QUESTION, "/kiemtra"),
    ("/menu", NotAClaim.COMMAND, "/huongdan"),
    ("abc", NotAClaim.NO_CLAIM, "chưa thấy nội dung"),
])
async def test_talk_to_the_bot_gets_its_hint_and_is_logged_with_the_reason(
        logged: tuple[Checker, MemoryLog], text: str, reason: NotAClaim, hint: str) -> None:
    checker, log = logged
    answer = await checker.check(ask(text))
    assert (answer.band, answer.not_a_claim) == (Band.NONE, reason)
    reply = render_plain(answer.reply)
    assert hint in reply
    assert RECORDED not in reply and "chưa có trong danh mục" not in reply  # it was not queued: never say so
    assert log.recorded == [(text, Band.NONE, reason)]
    assert answer.report_id == 1 and answer.reply.buttons == ()


async def test_an_unknown_claim_is_still_recorded_for_officers(logged: tuple[Checker, MemoryLog]) -> None:
    checker, log = logged
    answer = await checker.check(ask("Mai cắt điện toàn TP"))
    assert answer.not_a_claim is None and RECORDED in render_plain(answer.reply)
    assert log.recorded == [("Mai cắt điện toàn TP", Band.NONE, None)]


async def test_a_known_rumor_with_a_greeting_is_answered_as_the_rumor(logged: tuple[Checker, MemoryLog]) -> None:
    checker, log = logged
    answer = await checker.check(ask(
        "chào bot, có thật không: Điện lực thông báo nhà bạn nợ tiền điện 2 tháng, sẽ bị cắt điện trong 2 giờ "
        "tới nếu không chuyển khoản thanh toán ngay"))
    assert answer.band is Band.MATCH and answer.not_a_claim is None
    assert log.recorded[0][2] is None


async def test_hints_in_english(logged: tuple[Checker, MemoryLog]) -> None:
    checker, _ = logged
    request = ask("có thật không?")
    answer = await checker.check(CheckRequest(**{**request.__dict__, "language": "en"}))
    assert "Which message do you want checked?" in render_plain(answer.reply)
    command = await checker.check(CheckRequest(**{**ask("/menu").__dict__, "language": "en"}))
    assert "I do not know that command" in render_plain(command.reply) and "/help" in render_plain(command.reply)


@pytest.mark.parametrize(("cases_file", "unknown_floor"), [
    ("real_forms_cases.yaml", 7),  # of 8
    # of 8: unknown scams of the blind writers name bodies and asks the signs do not know yet (a television
    # casting, a visa agent), a gap bench/README.md records
    ("real_forms_blind_cases.yaml", 2),
])
def test_whole_check_on_real_forms_helps_scam_victims_and_spares_innocent_texts(cases_file: str,
                                                                                unknown_floor: int) -> None:
    """The default configuration's whole check (matcher and scam signs) on the realistic sets, as
    bench/real_forms_eval.py prints it: a scam is helped when its entry is named or it is called
    `suspicious`; an innocent text (a genuine notice, an official warning, news) is never suspicious."""
    repo = Path(__file__).resolve().parents[2]
    catalogue = load_catalogue(repo / "data" / "known_rumors.yaml")
    verdicts = {r.id: str(r.verdict) for r in catalogue.published}
    checker = Checker(build_matcher(catalogue.published, Thresholds(DEFAULT_MATCH_THRESHOLD,
                                                                   DEFAULT_POSSIBLE_THRESHOLD)),
                      None, signs=SignReader(threshold=DEFAULT_THRESHOLD))
    cases = yaml.safe_load((repo / "tests" / "fixtures" / cases_file).read_text("utf-8"))["cases"]
    scams = helped = innocent = innocent_suspicious = unknown = unknown_suspicious = 0
    for case in cases:
        result, _ = checker.decide(case["text"])
        named = case["expect"] is not None and any(c.rumor.id == case["expect"] for c in result.candidates)
        if case["expect"] and verdicts[case["expect"]] == "scam":
            scams += 1
            helped += named or result.band is Band.SUSPICIOUS
        elif case["kind"] == "unknown_scam":
            unknown += 1
            unknown_suspicious += result.band is Band.SUSPICIOUS
        elif not case["expect"]:
            innocent += 1
            innocent_suspicious += result.band is Band.SUSPICIOUS
    assert scams and helped / scams >= 0.85  # 98.9 % of 89 (realistic), 87.2 % of 109 (blind)
    assert unknown_suspicious >= unknown_floor
    assert innocent and innocent_suspicious == 0  # of 61
