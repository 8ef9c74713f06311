from __future__ import annotations

import datetime as dt

from bot.desk.forms import MAX_ID_LENGTH, apply_edit, make_slug, parse_form, raw_entry, verdict_of

FORM = """id: cat-nuoc-pho-co
Nội dung: Thông báo khẩn: khu phố cổ Hội An bị cắt nước sạch 3 ngày liên tiếp từ thứ Hai.
Kết luận: Sai
Tóm tắt: Công ty cấp nước không có kế hoạch ngừng cấp nước.
Lưu ý: lịch bảo trì luôn được báo trước qua tổ dân phố.
Nguồn: https://capnuocquangnam.example/thong-bao
Đơn vị: Công ty Cổ phần Cấp nước Quảng Nam
SĐT: 0905 111 222, 0905 333 444"""


def test_vietnamese_keys_and_continuation_lines() -> None:
    form = parse_form(FORM)
    assert form.stray_lines == []
    assert form.fields["claim"].startswith("Thông báo khẩn: khu phố cổ")  # a colon inside a value is kept
    assert form.fields["verdict"] == "Sai"
    assert form.fields["summary"].endswith("Lưu ý: lịch bảo trì luôn được báo trước qua tổ dân phố.")
    assert form.fields["publisher"] == "Công ty Cổ phần Cấp nước Quảng Nam"
    assert form.fields["phones"] == "0905 111 222, 0905 333 444"


def test_lines_before_any_key_are_reported() -> None:
    form = parse_form("khu phố cổ bị cắt nước\nclaim: Cắt nước phố cổ")
    assert form.stray_lines == ["khu phố cổ bị cắt nước"]


def test_raw_entry_is_in_catalogue_format() -> None:
    raw = raw_entry(parse_form(FORM).fields, dt.date(2024, 5, 20))
    assert raw["verdict"] == "false"
    assert raw["sources"] == [{"url": "https://capnuocquangnam.example/thong-bao",
                               "publisher": "Công ty Cổ phần Cấp nước Quảng Nam"}]
    assert raw["phones"] == ["0905 111 222", "0905 333 444"]
    assert raw["published"] == "2024-05-20"
    assert raw_entry({"claim": "x"}, dt.date(2024, 5, 20))["sources"] == []


def test_verdict_words() -> None:
    assert [verdict_of(w) for w in ("sai", "Gây hiểu lầm", "LỪA ĐẢO", "đúng", "scam")] == [
        "false", "misleading", "scam", "true", "scam"]
    assert verdict_of("có lẽ") == "có lẽ"  # left for the loader to name


def test_edit_of_source_keeps_the_publisher() -> None:
    raw = {"sources": [{"url": "https://a.example", "publisher": "Bộ Y tế"}], "verdict": "false"}
    edited = apply_edit(raw, "source", "https://b.example")
    assert edited["sources"] == [{"url": "https://b.example", "publisher": "Bộ Y tế"}]
    assert raw["sources"][0]["url"] == "https://a.example"  # the original is untouched


def test_slug_is_folded_short_and_unique() -> None:
    claim = "Cắt nước phố cổ Hội An: đường Trần Phú, Nguyễn Thái Học, Bạch Đằng mất nước 3 ngày liên tiếp"
    slug = make_slug(claim, set())
    assert slug.startswith("cat-nuoc-pho-co-hoi-an-duong")
    assert len(slug) <= MAX_ID_LENGTH - 3
    assert make_slug(claim, {slug}) == f"{slug}-2"
    assert make_slug(claim, {slug, f"{slug}-2"}) == f"{slug}-3"
    assert make_slug("🙏🙏", set()) == "tin"
