from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.replies import Paragraph, Reply, Style, bold, italic, link
from handlers.telegram.render import MESSAGE_LIMIT, render_html
from tests.fake_bot_api import html_problems

HOSTILE = '<b>Quà</b> & "miễn phí" <a href=\'x\'>bấm</a> &amp; &#x3C; </i> <tg-spoiler>'


def test_user_and_catalogue_text_is_escaped() -> None:
    reply = Reply((Paragraph.of(bold(HOSTILE), " ", italic(HOSTILE), " ", link(HOSTILE, 'https://a.example/?q=1&r="2"')),))
    [html] = render_html(reply)
    assert html_problems(html, MESSAGE_LIMIT) == []
    assert "&lt;b&gt;Quà&lt;/b&gt; &amp; " in html
    assert 'href="https://a.example/?q=1&amp;r=&quot;2&quot;"' in html


def test_paragraphs_are_split_between_messages_not_inside_tags() -> None:
    paragraph = Paragraph.of(bold("Tin đồn:"), " " + "Bà con ơi chia sẻ gấp & nhanh. " * 60)
    reply = Reply(tuple(paragraph for _ in range(5)))
    messages = render_html(reply)
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= MESSAGE_LIMIT
        assert html_problems(message, MESSAGE_LIMIT) == []


def test_one_enormous_word_is_still_cut_to_fit() -> None:
    reply = Reply((Paragraph.of(bold("&" * 9000)),))
    messages = render_html(reply)
    assert all(len(m) <= MESSAGE_LIMIT and html_problems(m, MESSAGE_LIMIT) == [] for m in messages)
    assert sum(m.count("&amp;") for m in messages) == 9000


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(min_size=1, max_size=3000), min_size=1, max_size=6),
    styles=st.lists(st.sampled_from(list(Style)), min_size=6, max_size=6),
)
def test_any_text_renders_to_valid_messages(texts: list[str], styles: list[Style]) -> None:
    paragraphs = tuple(Paragraph.of(bold("⚠️ "), italic(t) if styles[i] is Style.ITALIC else t)
                       for i, t in enumerate(texts))
    for message in render_html(Reply(paragraphs)):
        assert len(message) <= MESSAGE_LIMIT
        problems = [p for p in html_problems(message, MESSAGE_LIMIT) if p != "message text is empty"]
        assert problems == []
