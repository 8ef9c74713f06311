import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.normalize import accented, canonical_tone, clean, fold, folded, normalize


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
