"""The named signs of a message, the rule that calls it suspicious, and what a reading tells."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest
import yaml

from bot.signs import SIGN_NAMES, ScamDomainLists, SignReader, read_signs
from bot.signs.reader import DEFAULT_THRESHOLD, WEIGHTS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "signs_messages.yaml"
MESSAGES = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))

# sign: (a scam message where it fires, its negated / official / innocent counterpart)
SIGN_CASES = {
    "impersonation": ("Dien luc thong bao: quy khach con no tien dien thang 6.",
                      "Xem chi tiết tại vietcombank-khuyenmai.top nhé"),  # the name is only inside the link
    "ask_link": ("Quý khách vui lòng bấm vào link bên dưới để xác thực tài khoản.",
                 "Tuyệt đối không bấm vào link lạ gửi qua tin nhắn."),
    "ask_call_back": ("Điện năng tiêu thụ bất thường, vui lòng gọi ngay tổng đài để được kiểm tra.",
                      "Nhà mạng không yêu cầu khách hàng gọi lại tổng đài lạ."),
    "ask_contact_chat": ("Anh chị kết bạn Zalo cán bộ phụ trách để được hướng dẫn nhận tiền hỗ trợ.",
                         "Cơ quan BHXH không đề nghị người dân kết bạn Zalo để cập nhật hồ sơ."),
    "ask_transfer": ("Chị chuyển 2 triệu vào số tài khoản bên em để giữ suất nhé.",
                     "Miễn phí chuyển tiền 24/7 trên ứng dụng của ngân hàng."),
    "ask_payment": ("Phương tiện có biên bản vi phạm, vui lòng nộp phạt trực tuyến để hoàn tất hồ sơ.",
                    "Không nộp phạt qua bất kỳ đường link nào gửi trong tin nhắn."),
    "ask_scan_qr": ("Chị quét mã QR này để hệ thống hoàn lại tiền hàng nhé.",
                    "Đừng quét mã QR do người lạ gửi để nhận hoàn tiền."),
    "ask_install_app": ("Anh tải ứng dụng theo đường dẫn này để kích hoạt định danh nhé.",
                        "Khai thuế trên ứng dụng eTax Mobile, tải từ App Store hoặc CH Play."),
    "ask_otp": ("Em đọc giúp chị mã OTP vừa gửi về máy để hoàn tất nhé.",
                "Mã OTP của quý khách là 123456, tuyệt đối không cung cấp mã OTP cho bất kỳ ai."),
    "ask_password": ("Vui lòng nhập tên đăng nhập và mật khẩu để giữ tài khoản.",
                     "Ngân hàng không yêu cầu khách hàng cung cấp mật khẩu qua điện thoại."),
    "ask_card": ("Nhap so the va ma CVV de nhan hoan tien.",
                 "Khong cung cap so the, ma CVV cho nguoi la."),
    "ask_id_photo": ("Anh chị gửi ảnh chụp 2 mặt CCCD qua Zalo để hoàn tất hồ sơ.",
                     "Đừng gửi ảnh chụp 2 mặt CCCD cho người lạ để nhận quà."),
    "ask_screen_share": ("Chị bật chia sẻ màn hình để em hướng dẫn hoàn tiền nhé.",
                         "Không chia sẻ màn hình điện thoại cho người lạ."),
    "listed_scam_domain": ("Tra cứu hồ sơ tại bhxh.co/tra-cuu", "Tra cứu hồ sơ tại baohiemxahoi.gov.vn"),
    "lookalike_domain": ("Đăng nhập tại vietcommbank-online.com", "Đăng nhập tại vietcombank.com.vn"),
    "brand_in_foreign_domain": ("Xác thực tại vietcombank-xacthuc.com", "Xác thực tại www.vietcombank.com.vn"),
    "fake_gov_domain": ("Nộp hồ sơ tại dichvucong.vgovn.net", "Nộp hồ sơ tại dichvucong.gov.vn"),
    "apk_link": ("Tải bản cập nhật tại app-capnhat.com/vneid.apk", "Tải VNeID trên App Store hoặc CH Play"),
    "risky_tld": ("Nhận quà tại quatang-tet.xyz", "Nhận quà tại quatang-tet.vn"),
    "urgency": ("Vui lòng xác nhận trước 17h hôm nay.", "Chúc cả nhà hôm nay vui vẻ."),
    "threat": ("Nếu không cập nhật, tài khoản sẽ bị khóa vĩnh viễn.",
               "Khách hàng chậm thanh toán cũng không bị cắt điện trong đợt nắng nóng."),
    "prize": ("Chúc mừng bạn trúng thưởng một chiếc iPhone 17.", "Hôm nay trời đẹp, cả nhà đi chơi nhé."),
    "advance_fee": ("Để được giải ngân, bạn đóng trước 500.000đ phí xử lý hồ sơ.",
                    "Nộp lệ phí trước bạ tại cơ quan thuế nơi đăng ký xe."),
    "disguised_words": ("C0NG AN PHUONG thong bao: tai kh0an cua ban chua cap nhat.",
                        "Mã đơn G01, gói cước 4G, giao lúc 17h30."),
}


def test_every_sign_has_a_case() -> None:
    assert set(SIGN_CASES) == set(SIGN_NAMES)


@pytest.mark.parametrize("sign", SIGN_NAMES)
def test_each_sign_fires_on_its_scam_and_not_on_its_counterpart(sign: str) -> None:
    scam, counterpart = SIGN_CASES[sign]
    assert sign in read_signs(scam).names, read_signs(scam).explain()
    assert sign not in read_signs(counterpart).names, read_signs(counterpart).explain()


@pytest.mark.parametrize("text", MESSAGES["scams"])
def test_realistic_scams_are_suspicious(text: str) -> None:
    reading = read_signs(text)
    assert reading.suspicious, reading.explain()


@pytest.mark.parametrize("text", MESSAGES["genuine"])
def test_genuine_notices_promotions_news_and_warnings_are_not(text: str) -> None:
    reading = read_signs(text)
    assert not reading.suspicious, reading.explain()


def test_a_warning_is_never_suspicious_whatever_it_quotes() -> None:
    scam = "Vietcombank: tai khoan bi khoa, nhap ma OTP tai vietcombank-xacthuc.top trong 24h"
    assert read_signs(scam).suspicious
    warning = read_signs("CẢNH BÁO tin nhắn giả mạo sau, đừng làm theo: " + scam)
    assert not warning.suspicious and warning.warning == "canh bao"
    assert warning.score >= DEFAULT_THRESHOLD  # the signs are still there to explain, only the verdict differs


def test_a_debunk_cue_asked_about_is_no_warning() -> None:
    reading = read_signs("Vietcombank bảo nhập mã OTP tại vietcombank-xacthuc.top trong 24h, có phải lừa đảo không?")
    assert reading.warning is None and reading.suspicious


def test_the_reading_explains_itself_with_score_and_threshold() -> None:
    reading = read_signs("Vietcombank: xac thuc tai vietcombank-xacthuc.top de tranh bi khoa")
    assert reading.verdict == f"{reading.score:.2f}/{DEFAULT_THRESHOLD:.2f}"
    assert reading.explain().startswith(reading.verdict + " suspicious: brand_in_foreign_domain 0.50")
    assert reading.bodies == ("vietcombank",)
    data = json.loads(json.dumps(reading.to_json(), ensure_ascii=False))
    assert data["suspicious"] is True and data["threshold"] == DEFAULT_THRESHOLD
    assert {s["name"] for s in data["signs"]} <= set(SIGN_NAMES)
    assert data["signs"][0] == {"name": "brand_in_foreign_domain", "weight": 0.5, "body": "vietcombank",
                                "detail": "'vietcombank' in vietcombank-xacthuc.top (official: vietcombank.com.vn)"}


def test_a_group_counts_once_so_the_score_is_the_sum_of_the_weights_shown() -> None:
    reading = read_signs("BHXH: tai dichvucong-gov.com, nhap ma OTP")  # the brand and the fake .gov.vn
    link_signs = [s for s in reading.signs if WEIGHTS[s.name][0] == "link"]
    assert len(link_signs) >= 2
    assert [s.weight for s in link_signs][1:] == [0.0] * (len(link_signs) - 1)
    assert reading.score == pytest.approx(sum(s.weight for s in reading.signs))


def test_the_threshold_is_the_reader_s() -> None:
    text = "Vietcombank: xac thuc tai vietcombank-xacthuc.top de tranh bi khoa"
    strict = SignReader(scam_lists=ScamDomainLists(shipped=False), threshold=5.0).read(text)
    assert not strict.suspicious and strict.verdict.endswith("/5.00")


def test_reading_is_cheap() -> None:
    reader = SignReader()
    texts = [*MESSAGES["scams"], *MESSAGES["genuine"]]
    for text in texts:
        reader.read(text)
    timings = []
    for text in texts:
        started = time.perf_counter()
        reader.read(text)
        timings.append(time.perf_counter() - started)
    # about 0.35 ms on the development machine; the bound leaves room for a slow CI runner
    assert statistics.median(timings) < 0.002


def test_every_sign_has_a_label_in_every_language() -> None:
    from bot.locale import LANGUAGES, get_locale

    for language in LANGUAGES:
        keys = get_locale(language).keys()
        assert {f"sign.{name}" for name in SIGN_NAMES} <= keys, language
