"""Claims and talk: what goes to officers, what gets a hint, on messages people really send."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.matching.claims import MIN_CONTENT_WORDS, NotAClaim, classify_message
from tests.conftest import DEV, FIXTURES, REPO

# Short, and each worth an officer's look: a lure, a rumor, an alarm.
SHORT_CLAIMS = [
    "Ban da trung thuong 50tr, bam link abc.xyz",
    "Bạn đã trúng thưởng 50tr, liên hệ ngay",
    "Mai cắt điện toàn TP",
    "mai cat dien toan tp",
    "Động đất!",
    "Vỡ đê rồi bà con ơi",
    "Sắp cấm xe máy vào phố cổ?",
    "Cắt điện thật không?",  # a question with its claim in it
    "Chào bot, nghe nói mai trường cho nghỉ học vì bão, có thật không?",
    "ck 500k phí nhận quà",
    "vcb-xacthuc-otp247.top",  # a bare link: scams are often nothing else
    "https://bit.ly/3xYzAbc",
    "0868.117.979 gọi lại gấp",
    "STK 1903 6688 2025",
    "/menu Mai cắt điện toàn TP",  # a stray command before a real message
    "Nhận quà tri ân",
    "Tặng 500k",
]

NOT_CLAIMS = [
    ("chào bot", NotAClaim.GREETING),
    ("Xin chào!", NotAClaim.GREETING),
    ("hello", NotAClaim.GREETING),
    ("alo alo", NotAClaim.GREETING),
    ("chao ban", NotAClaim.GREETING),  # typed without marks
    ("bot ơi", NotAClaim.GREETING),
    ("bot là ai?", NotAClaim.GREETING),
    ("cảm ơn bot nhiều nha", NotAClaim.THANKS),
    ("cam on nhieu", NotAClaim.THANKS),
    ("thanks ad", NotAClaim.THANKS),
    ("ok", NotAClaim.CHATTER),
    ("haha", NotAClaim.CHATTER),
    ("😂👍", NotAClaim.CHATTER),
    ("dạ vâng ạ", NotAClaim.CHATTER),
    ("ủa", NotAClaim.CHATTER),
    ("hok bít", NotAClaim.CHATTER),  # teencode: không biết
    ("có thật không?", NotAClaim.BARE_QUESTION),
    ("co that khong", NotAClaim.BARE_QUESTION),
    ("tin này thật ko", NotAClaim.BARE_QUESTION),
    ("tin nay that k", NotAClaim.BARE_QUESTION),
    ("thiệt hông", NotAClaim.BARE_QUESTION),
    ("check giúp", NotAClaim.BARE_QUESTION),
    ("ad ơi check giúp e cái này với", NotAClaim.BARE_QUESTION),
    ("tin này dc ko", NotAClaim.BARE_QUESTION),
    ("fake à", NotAClaim.BARE_QUESTION),
    ("VNeID lừa đảo à?", NotAClaim.BARE_QUESTION),  # a topic, not the message: ask for the message
    ("thật hay lừa vậy mn 😅", NotAClaim.BARE_QUESTION),
    ("cảm ơn, mà cái này có thật không?", NotAClaim.BARE_QUESTION),  # the hint that helps most wins
    ("/menu", NotAClaim.COMMAND),
    ("/start@another_bot", NotAClaim.COMMAND),
    ("/kiemtr có thật không", NotAClaim.COMMAND),
    ("???", NotAClaim.NO_CLAIM),
    ("...", NotAClaim.NO_CLAIM),
    ("abc", NotAClaim.NO_CLAIM),
    ("bão à?", NotAClaim.NO_CLAIM),
    ("cái gì đây", NotAClaim.NO_CLAIM),
]


@pytest.mark.parametrize("text", SHORT_CLAIMS)
def test_short_scams_and_rumors_stay_claims(text: str) -> None:
    reading = classify_message(text)
    assert reading.is_claim, reading.detail


@pytest.mark.parametrize(("text", "reason"), NOT_CLAIMS)
def test_talk_to_the_bot_is_not_a_claim_and_says_why(text: str, reason: NotAClaim) -> None:
    reading = classify_message(text)
    assert reading.reason is reason, reading.detail


def test_a_marked_word_is_not_small_talk_because_its_letters_are() -> None:
    # "cháo" is not "chào", "ghế" is not "ghê": marks typed are marks meant
    assert classify_message("ăn cháo").is_claim
    assert classify_message("chào").reason is NotAClaim.GREETING
    assert classify_message("bán ghế").is_claim


def test_the_reading_explains_itself_without_quoting_the_message() -> None:
    reading = classify_message("tin này thật ko")
    assert reading.detail == f"0 content words < {MIN_CONTENT_WORDS}; bare_question"
    assert classify_message("Mai cắt điện toàn TP").detail == f"5 content words ≥ {MIN_CONTENT_WORDS}"
    lure = classify_message("Bấm vcb-xacthuc-otp247.top ngay")
    assert lure.detail == "1 indicator(s): domain" and "vcb" not in lure.detail


def wordings(path: Path) -> list[str]:
    rumors = yaml.safe_load(path.read_text(encoding="utf-8"))["rumors"]
    return [text for r in rumors for text in (r["claim"], *(r.get("variants") or []))]


def cases(path: Path) -> list[dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["cases"] if isinstance(data, dict) else data)


def test_every_catalogue_wording_and_every_positive_case_is_a_claim() -> None:
    """The measurement behind MIN_CONTENT_WORDS: nothing a rumor looks like is ever kept from officers."""
    texts = wordings(REPO / "data" / "known_rumors.yaml")
    positives = [c["text"] for path in sorted(FIXTURES.glob("*_cases.yaml")) for c in cases(path) if c.get("expect")]
    assert len(texts) >= 700 and len(positives) >= 300
    assert [t for t in texts + positives if not classify_message(t).is_claim] == []


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/dev is not beside the checkout")
def test_on_the_dev_set_only_the_short_negatives_are_not_claims() -> None:
    dev = cases(DEV / "cases.yaml")
    kept_out = {c["id"]: c["kind"] for c in dev if not classify_message(c["text"]).is_claim}
    shorts = [c for c in dev if c["kind"] == "short"]
    assert len(shorts) == 15 and set(kept_out.values()) == {"short"} and len(kept_out) == len(shorts)
    assert [t for t in wordings(DEV / "catalogue.yaml") if not classify_message(t).is_claim] == []
