"""Asks, pressure and warnings: negation, conditions, ambiguous folded words."""

from __future__ import annotations

import pytest

from bot.matching.normalize import normalize
from bot.signs.phrases import shipped_cues


def found(text: str) -> set[str]:
    cues = shipped_cues()
    view = cues.view(normalize(text))
    return {h.name for h in (*cues.asks(view), *cues.pressure_hits(view))}


@pytest.mark.parametrize(("text", "present", "absent"), [
    # a negator reaches along a list joined by "hay"/"hoặc", even past a comma
    ("Ngành điện không yêu cầu bấm link hay tải file để nhận hoàn tiền", set(), {"ask_link", "ask_install_app"}),
    ("Ngân hàng không gọi điện, nhắn Zalo hay inbox để hỗ trợ", set(), {"ask_contact_chat"}),
    # ... but not into a new predicate: "sẽ" opens one, and so does another clause
    ("Tài khoản chưa xác thực sinh trắc học sẽ bị tạm khóa", {"threat"}, set()),
    ("Mẹ ơi con không nghe máy được, mẹ chuyển 5 triệu vào số tài khoản này nhé", {"ask_transfer"}, set()),
    # a condition or "otherwise" is the threat, not its denial
    ("Nếu không thanh toán ngay sẽ bị cắt điện", {"threat"}, set()),
    ("Chuyển phí ngay, không là bị hủy hồ sơ", {"threat"}, set()),
    # "dụng", "dung" (nội dung) are not "đừng"
    ("Sử dụng ứng dụng, tải ứng dụng theo link", {"ask_install_app"}, set()),
    ("Ghi đúng nội dung rồi chuyển 2 triệu vào tài khoản bên em", {"ask_transfer"}, set()),
    ("dung bam link la nhe", set(), {"ask_link"}),  # unmarked: đừng
    # advice: the ask is the condition
    ("Lỡ bấm vào link lạ thì đổi mật khẩu ngay", set(), {"ask_link"}),
    # words that fold alike: tại / tải, dòng / đóng, gặp / gấp, phát / phạt
    ("Tra cứu tại ứng dụng VssID", set(), {"ask_install_app"}),
    ("Công an truy vết dòng tiền", set(), {"ask_payment"}),
    ("Nhấn phím 9 để gặp nhân viên", {"ask_call_back"}, {"urgency"}),
    ("Tài khoản bị phát hiện đăng nhập lạ", set(), {"threat"}),
    ("tai ung dung va nhap ma otp", {"ask_install_app", "ask_otp"}, set()),
])
def test_asks_and_threats_read_as_meant(text: str, present: set[str], absent: set[str]) -> None:
    names = found(text)
    assert present <= names, names
    assert not absent & names, names


def test_an_install_from_the_official_stores_is_no_ask() -> None:
    assert "ask_install_app" not in found("Tải VNeID từ App Store hoặc CH Play để đăng nhập")
    assert "ask_install_app" in found("Tải VNeID theo đường dẫn sau để đăng nhập")


def test_a_payment_in_the_words_of_a_transfer_counts_once() -> None:
    assert found("Chuyển khoản vào tài khoản bên em trước 17h") >= {"ask_transfer"}
    assert "ask_payment" not in found("Chuyển khoản vào tài khoản bên em")


def test_letters_written_as_digits_are_read_back() -> None:
    cues = shipped_cues()
    text = "C0NG AN: tai kh0an se bi kh0a, G01 4G 17h30"
    assert cues.disguised_words(text) == ("c0ng", "kh0an", "kh0a")
    assert normalize(text).folded[:2] == ("cong", "an")  # the matcher's views read them back


@pytest.mark.parametrize(("text", "cue"), [
    ("Cảnh báo: tin nhắn mạo danh ngân hàng", "canh bao"),
    ("Đây là thủ đoạn của kẻ gian", "thu doan"),
    ("Tin nhắn này là giả mạo, đừng bấm", "gia mao"),
    ("Ngân hàng không bao giờ yêu cầu cung cấp OTP", "khong bao gio yeu cau"),
])
def test_warning_cues(text: str, cue: str) -> None:
    cues = shipped_cues()
    assert cues.warning(cues.view(normalize(text))) == cue


@pytest.mark.parametrize("text", [
    "Tin này có phải lừa đảo không ạ?",  # asked, not asserted
    "Hỗ trợ lấy lại tiền bị lừa đảo, phí trước 2 triệu",  # the recovery scam itself
])
def test_no_warning(text: str) -> None:
    cues = shipped_cues()
    assert cues.warning(cues.view(normalize(text))) is None
