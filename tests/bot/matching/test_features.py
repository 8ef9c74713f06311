"""Cues read from a message: what it negates, and whether it debunks."""

from __future__ import annotations

import pytest

from bot.matching.features import compare, prepare, repair_typos


@pytest.mark.parametrize(
    ("message", "negated"),
    [
        # a denial: the word under the negator is what the message says is not so
        ("Muối i-ốt không chống được phóng xạ đâu bà con", {"chong"}),
        ("Đừng chuyển khoản cho số lạ xưng là điện lực", {"chuyen"}),
        # "không ai" is "nobody", not a question tag
        ("Công an nhắc: không ai gọi điện gửi link cài VNeID cả", {"goi"}),
        # a condition: the threat a scam is made of, not a denial
        ("Điện lực báo nợ tiền điện, nếu không chuyển khoản ngay sẽ bị cắt điện", set()),
        ("Nếu chưa cài ứng dụng VNeID mới thì tài khoản định danh bị khóa", set()),
        ("Thanh toán gấp kẻo không kịp, tài khoản bị khóa vĩnh viễn", set()),
        ("Không nộp phí thì trường hủy kết quả trúng tuyển", set()),
        # a question asks, it does not deny
        ("Có thật là sắp đổi tiền mới không mọi người?", set()),
        # a negator's syllable with other marks, or inside a word, is not a negator
        ("Tải ứng dụng VNeID theo đường link cán bộ gửi qua Zalo", set()),
        ("Cong an phuong: tai ung dung VNeID theo link ben duoi", set()),
        ("Bài thuốc gia truyền chữa khỏi ung thư giai đoạn cuối", set()),
        ("Không khí Hà Nội ô nhiễm nhất thế giới sáng nay", set()),
        # ... but typed without marks it is read as one
        ("dung chuyen khoan cho so la", {"chuyen"}),
        ("Đài truyền hình vừa đưa tin: đừng mở ảnh chúc buổi sáng", {"mo"}),
    ],
)
def test_negation_is_a_denial_not_a_condition_or_a_question(message: str, negated: set[str]) -> None:
    assert set(prepare(message).negated) == negated


def test_debunk_cues_are_found_outside_questions() -> None:
    assert prepare("Tin giả đó bà con, công an đã bác bỏ rồi").debunk
    assert not prepare("Có phải tin giả không mọi người?").debunk


def test_a_typo_is_repaired_when_a_word_pair_confirms_it() -> None:
    fixed, repaired = repair_typos(("rut", "tieng", "atm"), ("rut", "tien", "atm"))
    assert fixed == ["rut", "tien", "atm"]
    assert repaired == ("tieng→tien",)


def test_a_word_the_entry_knows_is_not_a_typo() -> None:
    # "công an phường" against the variant "công an hướng dẫn": one edit apart and confirmed by the
    # pair "an huong", but "phuong" is a word of the entry's claim, so it is read as itself.
    message = ("cong", "an", "phuong", "nhac")
    variant = ("cong", "an", "huong", "dan", "cai", "app")
    assert repair_typos(message, variant)[1] == ("phuong→huong",)
    fixed, repaired = repair_typos(message, variant, known=frozenset({"phuong", "goi", "dien"}))
    assert fixed == list(message)
    assert repaired == ()


def test_an_emphatic_denial_denies_what_its_verb_is_said_of() -> None:
    # "không chữa được ung thư đâu" against a claim that says "tiêu diệt tế bào ung thư": the verbs
    # differ, the denial is about "ung thư" all the same
    message = prepare("Bác sĩ nói uống nước chanh nóng không chữa được ung thư đâu")
    claim = prepare("Uống nước chanh nóng mỗi sáng sẽ tiêu diệt tế bào ung thư")
    assert message.negations == (("chua", "ung", "thu"),)
    assert compare(message, claim, frozenset()).negation_conflicts == ("ung",)
    # without "đâu" a negation is about its own word only: rumors deny things too ("không cần ra phường")
    plain = prepare("Uống nước chanh nóng không chữa được ung thư")
    assert compare(plain, claim, frozenset()).negation_conflicts == ()


@pytest.mark.parametrize(
    ("retelling", "claim_words"),
    [
        ("Sáng nay mẹ tôi nhận cuộc gọi, đầu dây bên kia tự xưng là công an phường", ("cong", "an", "phuong")),
        ("hom qua bo toi nhan duoc tin nhan tu xung la ngan hang", ("ngan", "hang")),
        ("Dạ em là nhân viên ngân hàng, kính gửi quý khách: vui lòng cập nhật", ("nhan", "vien", "ngan", "hang",
                                                                                "cap", "nhat")),
    ],
)
def test_the_frame_of_a_retelling_is_not_content(retelling: str, claim_words: tuple[str, ...]) -> None:
    assert prepare(retelling).content == claim_words


def test_a_frame_word_with_other_marks_is_content() -> None:
    # "bão" is not "bảo", "xưng" is read only as itself: "sáng" alone is not "sáng nay"
    assert prepare("Bão số 3 vào sáng thứ hai").content == ("bao", "so", "3", "sang", "thu", "hai")


def test_denying_a_frame_denies_the_wording_that_asserts_it() -> None:
    # "gọi điện" is frame, not content, on both sides; a warning that no one calls still denies it
    warning = prepare("Công an không gọi điện bắt cài ứng dụng định danh")
    claim = prepare("Công an phường gọi điện bắt cài ứng dụng định danh điện tử")
    assert "goi" not in claim.content and "goi" in claim.frame
    assert compare(warning, claim, frozenset()).negation_conflicts == ("goi",)
