from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.plain_text import split_plain
from handlers.zalo.adapter import parse_update
from tests.fake_zalo_api import text_event


def test_flat_and_wrapped_updates_parse_the_same() -> None:
    update = text_event("Có thật là sắp đổi tiền mới không mọi người?")
    flat, wrapped = parse_update(update), parse_update({"ok": True, "result": update})
    assert flat == wrapped
    assert flat is not None
    assert flat.text == "Có thật là sắp đổi tiền mới không mọi người?"
    assert flat.chat_id == flat.user_id == "6ede9afa66b88fe6d6a9"
    assert flat.date is not None and flat.date.tzinfo is not None  # from milliseconds


def test_caption_is_the_text_of_an_image() -> None:
    update = text_event("", event="message.image.received", caption="Ảnh chụp tin nhắn trúng thưởng")
    parsed = parse_update(update)
    assert parsed is not None and parsed.text == "Ảnh chụp tin nhắn trúng thưởng"


def test_malformed_bodies_are_ignored_not_raised() -> None:
    for body in (None, [], "x", {}, {"ok": True, "result": []}, {"event_name": "message.text.received"},
                 {"message": {"chat": {"id": "1"}}}, {"message": {"message_id": "m", "chat": "oops"}}):
        assert parse_update(body) is None


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "Đoạn một.\n\nĐoạn hai dài hơn một chút.\nDòng thứ hai."
    assert split_plain(text, 30) == ["Đoạn một.", "Đoạn hai dài hơn một chút.", "Dòng thứ hai."]
    assert split_plain("a" * 45, 20) == ["a" * 20, "a" * 20, "a" * 5]


@given(st.text(min_size=1, max_size=5000), st.integers(min_value=5, max_value=2000))
def test_split_never_exceeds_the_limit_and_loses_no_word(text: str, limit: int) -> None:
    pieces = split_plain(text, limit)
    assert all(1 <= len(p) <= limit for p in pieces)
    # only white space at the cuts may go: every other character survives, in order
    assert "".join("".join(pieces).split()) == "".join(text.split())
