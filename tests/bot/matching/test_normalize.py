import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.normalize import accented, canonical_tone, clean, fold, folded, letters_for_digits, normalize


@pytest.mark.parametrize(
    ("old_style", "canonical"),
    [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("huỷ", "hủy"), ("xoá", "xóa"), ("tuỳ", "tùy"),
     ("qủa", "quả"), ("hòa", "hòa"), ("quý", "quý"), ("giữa", "giữa"), ("hoàng", "hoàng"), ("huỳnh", "huỳnh"),
     ("ngoài", "ngoài"), ("người", "người"), ("khuỷu", "khuỷu"), ("gì", "gì"), ("café", "café")],
)
def test_tone_mark_goes_where_the_classic_rule_puts_it(old_style: str, canonical: str) -> None:
    assert canonical_tone(old_style) == canonical


def test_old_and_new_tone_placement_give_the_same_views() -> None:
    assert accented("Sức khoẻ là vàng, hoà bình, Thuỷ") == accented("Sức khỏe là vàng, hòa bình, Thủy")


def test_nfd_and_nfc_give_the_same_views() -> None:
    text = "Đeo khẩu trang cả ngày là tự giết mình!"
    assert normalize(unicodedata.normalize("NFD", text)) == normalize(text)


def test_eth_and_zero_width_characters() -> None:
    assert clean("Ðà\u200b Nẵng") == "đà nẵng"
    assert folded("ÐÀ NẴNG") == "da nang"


def test_folded_view_drops_marks_and_maps_d() -> None:
    assert folded("Đường dây nóng Bộ Y tế") == "duong day nong bo y te"
    assert fold("ở") == "o"


def test_teencode_is_expanded_in_both_views() -> None:
    message = "mn ơi ko dc ck vào stk lạ nha, sdt này lừa đảo đó ae"
    assert accented(message) == ("mọi người ơi không được chuyển khoản vào số tài khoản lạ nha "
                                 "số điện thoại này lừa đảo đó anh em")
    assert folded("Ko dc") == folded("không được") == "khong duoc"


def test_numbers_glued_to_units_and_thousands_separators() -> None:
    assert accented("nộp 5tr trong 15p, phí 3.200.000đ") == "nộp 5 triệu trong 15 phút phí 3200000đ"


@pytest.mark.parametrize(
    ("typed", "read"),
    [("c0ng", "cong"), ("kh0an", "khoan"), ("kh0ản", "khoản"), ("0tp", "otp"), ("h0an", "hoan"), ("s4i", "sai"),
     ("s0t", "sot"), ("1ink", "link"), ("h1nh", "hinh"), ("4nh", "anh"), ("h0", "ho"), ("n0p", "nop")],
)
def test_digits_typed_for_letters_are_read_as_letters(typed: str, read: str) -> None:
    assert letters_for_digits(typed) == read


@pytest.mark.parametrize(
    "word",
    # networks, Covid terms, virus and model names, numbers with units, times, plates, no-word results
    ["4g", "5g", "f0", "f1", "covid19", "h5n1", "a52", "u23", "mp3", "b2", "m3", "17h", "20h30", "1h30", "100k",
     "5tr", "1ng", "412000d", "0d", "29a", "vn88", "3d", "1ha"],
)
def test_real_words_with_digits_stay_as_typed(word: str) -> None:
    assert letters_for_digits(word) == word


def test_an_sms_that_dodges_filters_reads_like_the_plain_one() -> None:
    assert accented("C0NG AN XA: tai kh0an cua ban se bi kh0a, nhap ma 0TP tai 1ink ben duoi") == (
        "cong an xa tai khoan cua ban se bi khoa nhap ma otp tai link ben duoi")
    assert accented("EVN CSKH: do s4i s0t ghi chi so, h0an tien 412.000d trong 24h") == (
        "evn cskh do sai sot ghi chi so hoan tien 412000d trong 24 giờ")
    # amounts, dates, phones, times, networks and plates keep their digits
    assert accented("Ngày 2/9 và 1/7/2025 lúc 20h30, gọi 0868.117.979, mạng 4G 5G, Covid-19, xe 29A-123.45") == (
        "ngày 2 9 và 1 7 2025 lúc 20h30 gọi 0868117979 mạng 4g 5g covid 19 xe 29a 123 45")


@pytest.mark.parametrize(
    ("typed", "read"),
    [("Vui lòng c.h.u.y.ể.n k.h.o.ả.n trước 17h", "vui lòng chuyển khoản trước 17 giờ"),
     ("C.H.U.Y.Ể.N  K.H.O.Ả.N NGAY", "chuyển khoản ngay"),
     ("c h u y e n k h o a n vao tai khoan tam giu", "chuyen khoan vao tai khoan tam giu"),
     ("nhập mã theo l.i.n.k sau", "nhập mã theo link sau"),
     ("báo c-s-g-t phạt nguội", "báo cảnh sát giao thông phạt nguội"),  # an abbreviation spelt out
     # a list, teencode letters and a letter in a sentence stay apart
     ("chọn phương án a, b, c, d", "chọn phương án a b c d"),
     ("ừ e k đi đâu", "ừ em không đi đâu"),
     ("Vitamin C. Uống mỗi ngày", "vitamin c uống mỗi ngày")],
)
def test_words_spelt_out_letter_by_letter_are_joined(typed: str, read: str) -> None:
    assert accented(typed) == read


def test_forward_boilerplate_and_emoji_are_removed() -> None:
    message = ("📢 CHIA SẺ GẤP!!! Nguồn: sưu tầm\n"
               "Forwarded from Nhóm Tổ dân phố 7\n"
               "Siêu bão cấp 17 đổ bộ Đà Nẵng 🌀🌀\n"
               "(st) #baokhan")
    assert accented(message) == "siêu bão cấp 17 đổ bộ đà nẵng"
    assert accented("Chuyển tiếp từ nhóm Phụ huynh lớp 2/3: Bộ Y tế thông báo") == "bộ y tế thông báo"
    assert accented("Copy từ group Hội các mẹ:\nSữa mẹ sau 3 tháng") == "sữa mẹ sau 3 tháng"


def test_clauses_sentences_and_questions_are_numbered() -> None:
    view = normalize("Có thật là bão cấp 17 vào Đà Nẵng không? Nhà em ở Điện Bàn, lo quá")
    assert view.questions == frozenset({0})
    assert view.sentences[view.folded.index("nha")] == 1
    assert view.clauses[-1] == 2


vietnamese = st.text(alphabet=st.sampled_from(list(
    "aăâbcdđeêghiklmnoôơpqrstuưvxy ÁÀẢÃẠắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐÐ"
    "0123456789.,!?:;\n\u200b\u0301\u0300\u0309\u0303\u0323🙏📢#")), max_size=80)


def test_a_letter_with_no_ascii_form_does_not_keep_spelt_letters_apart() -> None:
    assert accented("A:Y:S:Ø:A") == accented(accented("A:Y:S:Ø:A")) == accented("A:Y:S:A")


@settings(max_examples=300)
@given(st.one_of(vietnamese, st.text(max_size=80)))
def test_accented_view_is_idempotent(text: str) -> None:
    once = accented(text)
    assert accented(once) == once


@settings(max_examples=300)
@given(st.one_of(vietnamese, st.text(max_size=80)))
def test_folded_view_is_ascii_and_the_fold_of_the_accented_view(text: str) -> None:
    view = normalize(text)
    assert view.folded_text.isascii()
    assert tuple(fold(w) for w in view.accented) == view.folded
    assert len(view.clauses) == len(view.sentences) == len(view.folded)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_normalize_never_raises(text: str) -> None:
    normalize(text)


# Single letters, digits and the separators of words spelt out: where joining could go wrong.
spelt = st.lists(st.sampled_from([*"chuyenkhoatilg0143", "ể", "ả", " ", ".", "-", ", ", "\n", "ab"]),
                 max_size=40).map("".join)


@settings(max_examples=500)
@given(spelt)
def test_joining_spelt_words_is_idempotent(text: str) -> None:
    once = accented(text)
    assert accented(once) == once
    assert tuple(fold(w) for w in normalize(text).accented) == normalize(text).folded
