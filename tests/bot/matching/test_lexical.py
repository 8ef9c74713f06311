from pathlib import Path

import pytest

from bot.catalogue import Catalogue, load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Band, Thresholds

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "matcher_catalogue.yaml")


@pytest.fixture
def matcher(catalogue: Catalogue) -> LexicalMatcher:
    return LexicalMatcher(catalogue.rumors, THRESHOLDS)


@pytest.mark.parametrize(
    "message",
    [
        # a forward with its header and emoji
        "Forwarded from Nhóm phụ huynh 5A 📢\nCông an yêu cầu người dân cài ứng dụng VNeID qua đường link "
        "để kích hoạt định danh mức 2, quá hạn 3 ngày tài khoản định danh sẽ bị khóa.",
        # no diacritics
        "Cong an yeu cau nguoi dan cai ung dung VNeID qua duong link de kich hoat dinh danh muc 2, qua han "
        "3 ngay tai khoan dinh danh se bi khoa",
        # teencode and a question
        "mn ơi công an yêu cầu cài vneid qua link để kích hoạt định danh mức 2 ko là bị khóa tk định danh, "
        "có thật ko?",
        # a fragment
        "cài ứng dụng VNeID qua đường link để kích hoạt định danh mức 2",
        # an SMS that dodges filters: digits for letters, a word spelt out
        "C0NG AN: yeu cau nguoi dan c.a.i u.n.g d.u.n.g VNeID qua duong 1ink de kich h0at dinh danh muc 2, "
        "qua han 3 ngay tai kh0an dinh danh se bi kh0a",
    ],
)
def test_rewordings_of_a_claim_match_it(matcher: LexicalMatcher, message: str) -> None:
    result = matcher.match(message)
    assert result.band is Band.MATCH
    assert result.rumor is not None and result.rumor.id == "vneid-cai-app-gia-mao"


def test_old_tone_placement_and_nfd_match(matcher: LexicalMatcher) -> None:
    import unicodedata

    message = "Uống nước chanh nóng mỗi sáng tiêu diệt tế bào ung thư, hiệu quả gấp 10.000 lần hoá trị"
    for text in (message, unicodedata.normalize("NFD", message)):
        result = matcher.match(text)
        assert result.band is Band.MATCH and result.rumor is not None
        assert result.rumor.id == "nuoc-chanh-nong-chua-ung-thu"


@pytest.mark.parametrize("message", ["Có ai biết vneid-capnhat.com/login là gì không?",
                                     "Số 0948 214 289 gọi cho mẹ em"])
def test_a_listed_link_or_phone_number_alone_is_a_match(matcher: LexicalMatcher, message: str) -> None:
    result = matcher.match(message)
    assert result.band is Band.MATCH
    assert result.best is not None and any(e.name == "indicator" for e in result.best.evidence)


@pytest.mark.parametrize(
    "message",
    [
        "https://bit.ly/3vneid",  # a shortener names no one
        "Cài VNeID tại vneid-xacthuc.com nhé",  # the brand on another domain
        "thật ko?",
        "👍",
        "",
        "Tối nay khu phố mình cúp điện từ 19h đến 21h, ai có đèn sạc thì sạc sẵn nhé.",
    ],
)
def test_short_chat_and_unknown_links_are_not_matches(matcher: LexicalMatcher, message: str) -> None:
    assert matcher.match(message).band is not Band.MATCH


@pytest.mark.parametrize(
    "message",
    [
        "Tin mất điện toàn thành phố 3 ngày từ thứ hai tuần sau là tin giả nha, điện lực đã đính chính rồi.",
        "Công an khuyến cáo: không cài ứng dụng VNeID qua đường link lạ, ai gọi điện hướng dẫn là lừa đảo.",
        "Bác sĩ nói uống nước chanh nóng không chữa được ung thư đâu, đừng bỏ hóa trị nha mọi người.",
    ],
)
def test_warnings_and_corrections_are_not_answered_as_the_rumor(matcher: LexicalMatcher, message: str) -> None:
    result = matcher.match(message)
    assert result.band is not Band.MATCH


def test_a_correction_shows_the_cue_in_its_evidence(matcher: LexicalMatcher) -> None:
    message = ("Đính chính: điện lực không hề thông báo toàn thành phố mất điện liên tục 3 ngày từ thứ hai "
               "tuần sau, đó là tin giả.")
    result = matcher.match(message)
    assert result.best is not None
    names = {e.name for e in result.best.evidence}
    assert "debunk cue" in names


def test_evidence_carries_the_score_against_the_threshold(matcher: LexicalMatcher) -> None:
    result = matcher.match("Điện lực thông báo toàn thành phố mất điện 3 ngày từ thứ hai tuần sau để bảo trì")
    assert result.best is not None
    score = result.best.evidence[0]
    assert score.name == "score" and score.value == result.best.score
    assert score.threshold == DEFAULT_MATCH_THRESHOLD
    assert str(score).startswith(f"score {score.value:.1f}/{DEFAULT_MATCH_THRESHOLD:g}")


def test_retired_entries_are_never_matched(matcher: LexicalMatcher) -> None:
    result = matcher.match("Ngân hàng phát tiền hỗ trợ 5 triệu cho mỗi người có thẻ ATM, nhận tại quầy giao dịch")
    assert all(c.rumor.id != "tin-cu-da-go" for c in result.candidates)


def test_replace_adds_and_retires_entries_without_a_restart(catalogue: Catalogue) -> None:
    matcher = LexicalMatcher([], THRESHOLDS)
    message = "Điện lực thông báo toàn thành phố sẽ mất điện liên tục 3 ngày từ thứ hai tuần sau"
    assert matcher.match(message).band is Band.NONE
    matcher.replace(catalogue.rumors)
    assert matcher.match(message).band is Band.MATCH
    matcher.replace([r for r in catalogue.rumors if r.id != "mat-dien-toan-thanh-pho"])
    assert matcher.match(message).band is Band.NONE


def test_an_indicator_on_many_entries_is_not_evidence(catalogue: Catalogue) -> None:
    import dataclasses

    hotline = "Gọi tổng đài 1900 545413 để được hỗ trợ."
    clones = [dataclasses.replace(catalogue.rumors[1], id=f"clone-{i}", claim=f"{catalogue.rumors[1].claim} {hotline}")
              for i in range(6)]
    matcher = LexicalMatcher(clones, THRESHOLDS)
    assert matcher.match("Tổng đài 1900 545413 có phải của ngân hàng không?").band is not Band.MATCH


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue(FIXTURES.parents[1] / "data" / "known_rumors.yaml")


RECOVERY_SCAMS = {"lay-lai-tien-chuyen-gia-an-ninh-mang", "lay-lai-tien-fanpage-gia-co-quan-nha-nuoc"}


def test_near_siblings_are_both_possible_never_one_match(shipped: Catalogue) -> None:
    # two "recover your lost money" scams, a fake expert and a fake ministry page: a message with a bit
    # of each is about equally close to both, so naming one as the match would be a guess
    message = ("Ai bị lừa qua mạng thì nộp hồ sơ cho trang Cục An ninh mạng, có luật sư hỗ trợ thu hồi tiền "
               "bị lừa, cam kết lấy lại 100%")
    result = LexicalMatcher(shipped.published, THRESHOLDS).match(message)
    assert result.band is Band.POSSIBLE
    assert result.score >= DEFAULT_MATCH_THRESHOLD
    assert {c.rumor.id for c in result.candidates} == RECOVERY_SCAMS
    assert result.best is not None and "near sibling" in {e.name for e in result.best.evidence}
    # without the margin the first would have been answered alone
    no_margin = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD, sibling_margin=0)
    assert LexicalMatcher(shipped.published, no_margin).match(message).band is Band.MATCH


def test_one_sibling_retold_is_still_its_match(shipped: Catalogue) -> None:
    message = ("Thấy bạn bị lừa, mình giới thiệu chuyên gia an ninh mạng truy vết dòng tiền, đã giúp nhiều người "
               "lấy lại tiền bị lừa, chỉ cần đóng trước phí dịch vụ pháp lý")
    result = LexicalMatcher(shipped.published, THRESHOLDS).match(message)
    assert result.band is Band.MATCH
    assert result.rumor is not None and result.rumor.id == "lay-lai-tien-chuyen-gia-an-ninh-mang"


def test_a_text_sharing_only_common_words_is_not_a_match(shipped: Catalogue) -> None:
    # every word of it is in many entries of the catalogue: it is a fragment of one claim, and of
    # what a dozen other scams ask too
    matcher = LexicalMatcher(shipped.published, THRESHOLDS)
    result = matcher.match("Bấm link điền thông tin tài khoản ngân hàng")
    assert result.band is not Band.MATCH
    assert result.best is not None and "common words only" in {e.name for e in result.best.evidence}
    # a short slogan with words of its own still is one
    slogan = matcher.match("EVN cắt điện toàn Hà Nội từ 18h tối nay")
    assert slogan.band is Band.MATCH
    assert slogan.rumor is not None and slogan.rumor.id == "yagi-ha-noi-mat-dien-toan-thanh-pho"
