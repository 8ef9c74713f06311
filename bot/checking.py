"""The check use case: a message in, a decision and a plain reply out, the report logged."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.catalogue import Rumor, Verdict
from bot.guide import hint_reply
from bot.locale import Locale, get_locale
from bot.matching.claims import NotAClaim, classify_message
from bot.matching.matcher import Band, Matcher, MatchResult
from bot.replies import Paragraph, Reply, bold, italic, link, shorten
from bot.signs.reader import WEIGHTS, Sign, SignReader, SignReading
from bot.votes import with_vote_buttons

logger = logging.getLogger(__name__)

LINK_SIGN_GROUPS = {name: group for name, (group, _) in WEIGHTS.items()}
CLAIM_PREVIEW = 280  # characters of the claim quoted in an answer
MAX_SOURCES_SHOWN = 3


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


class ReportKind(StrEnum):
    ASKED = "asked"  # someone asked the bot about it
    SEEN = "seen"  # the bot saw it pass in a watched group


@dataclass(frozen=True)
class ForwardOrigin:
    """Where a forwarded message came from, as far as the platform tells."""

    kind: str  # user | hidden_user | chat | channel
    name: str = ""
    id: str = ""
    date: dt.datetime | None = None


@dataclass(frozen=True)
class CheckRequest:
    platform: str
    chat_id: str
    chat_type: ChatType
    text: str
    user_id: str | None = None
    origin: ForwardOrigin | None = None
    has_media: bool = False
    kind: ReportKind = ReportKind.ASKED
    message_id: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Answer:
    result: MatchResult
    reply: Reply
    report_id: int | None = None
    signs: SignReading | None = None  # the scam signs read in the message
    not_a_claim: NotAClaim | None = None  # answered with a hint, kept out of the review queue

    @property
    def band(self) -> Band:
        return self.result.band


def format_date(value: dt.date, language: str) -> str:
    return value.strftime("%d/%m/%Y") if language == "vi" else value.isoformat()


def verdict_label(verdict: Verdict, locale: Locale) -> str:
    return f"{locale.t(f'verdict.icon.{verdict.value}')} {locale.t(f'verdict.{verdict.value}')}"


def source_paragraphs(rumor: Rumor, locale: Locale) -> list[Paragraph]:
    out = []
    for source in rumor.sources[:MAX_SOURCES_SHOWN]:
        title = source.title or source.publisher or source.url
        parts: list[str] = []
        if source.publisher and source.publisher != title:
            parts.append(source.publisher)
        if source.date:
            parts.append(format_date(source.date, locale.language))
        tail = f" — {', '.join(parts)}" if parts else ""
        out.append(Paragraph.of("• ", link(title, source.url), tail))
    return out


def match_reply(result: MatchResult, locale: Locale) -> Reply:
    best = result.best
    assert best is not None
    rumor = best.rumor
    paragraphs = [
        Paragraph.of(bold(verdict_label(rumor.verdict, locale))),
        Paragraph.of(locale.t("match.headline")),
        Paragraph.of(italic(locale.t("match.claim_label")), italic(shorten(rumor.claim, CLAIM_PREVIEW))),
        Paragraph.of(bold(locale.t("match.summary_label")), rumor.summary),
        Paragraph.of(locale.t(f"match.advice.{rumor.verdict.value}")),
        Paragraph.of(bold(locale.t("match.sources_label"))),
        *source_paragraphs(rumor, locale),
    ]
    footer = []
    if rumor.published:
        footer.append(locale.t("match.debunked_on", date=format_date(rumor.published, locale.language)))
    footer.append(locale.t("match.reference", id=rumor.id, score=f"{best.score:.0f}"))
    paragraphs.append(Paragraph.of(italic("\n".join(footer))))
    return Reply(tuple(paragraphs))


def possible_reply(result: MatchResult, locale: Locale) -> Reply:
    paragraphs = [Paragraph.of(bold(locale.t("possible.headline")))]
    for candidate in result.candidates:
        rumor = candidate.rumor
        paragraphs.append(Paragraph.of(
            bold(verdict_label(rumor.verdict, locale)), " — ", shorten(rumor.claim, 160), "\n",
            italic(shorten(rumor.summary, 240)),
        ))
        paragraphs.extend(source_paragraphs(rumor, locale)[:1])
    paragraphs.append(Paragraph.of(locale.t("possible.footer")))
    return Reply(tuple(paragraphs))


# A host in a sign's detail (officers see the whole detail; people see only the host, defanged).
HOST = re.compile(r"(?:[\w-]+\.)+[\w-]+(?:/\S*)?")


def shown_detail(sign: Sign) -> str:
    """What a person is shown of a sign: the phrase found, or for a link the host with its dots broken
    ("vietcombank-xacminh[.]top"), so no client turns the scam's address into a link in our answer."""
    if LINK_SIGN_GROUPS.get(sign.name) != "link":
        return sign.detail
    found = HOST.search(sign.detail)
    return found.group().replace(".", "[.]") if found else ""


def sign_lines(reading: SignReading, locale: Locale) -> list[Paragraph]:
    """Each sign counted, in words: what it means and what was found."""
    lines = []
    for sign in reading.signs:
        if sign.weight <= 0:
            continue
        detail = shown_detail(sign)
        lines.append(Paragraph.of("• ", locale.t(f"sign.{sign.name}"), *([italic(f" ({detail})")] if detail else [])))
    return lines


def verify_paragraph(reading: SignReading, reader: SignReader, locale: Locale) -> Paragraph:
    """How to check with the body the message claims to speak for, through its own channel."""
    domains = list(dict.fromkeys(d for body in reading.bodies for d in reader.bodies.get(body).domains))
    if domains:
        return Paragraph.of(locale.t("suspicious.verify_domains", domains=", ".join(domains[:4])))
    return Paragraph.of(locale.t("suspicious.verify"))


def suspicious_reply(reading: SignReading, reader: SignReader, locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(bold(locale.t("suspicious.headline"))),
        Paragraph.of(locale.t("suspicious.intro")),
        *sign_lines(reading, locale),
        Paragraph.of(locale.t("suspicious.advice")),
        verify_paragraph(reading, reader, locale),
        Paragraph.of(italic(locale.t("suspicious.reference", score=reading.verdict))),
    ))


def with_signs(reply: Reply, reading: SignReading, reader: SignReader, locale: Locale) -> Reply:
    """A `possible` answer whose message also carries strong scam signs: say so under the candidates."""
    return Reply((*reply.paragraphs, Paragraph.of(bold(locale.t("suspicious.also"))),
                  *sign_lines(reading, locale), verify_paragraph(reading, reader, locale)), reply.buttons)


def none_reply(locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(bold(locale.t("none.headline"))),
        Paragraph.of(locale.t("none.recorded")),
        Paragraph.of(locale.t("none.tip")),
    ))


# What an answer says about the report log, and what it says instead when nothing is logged
# (`kiemchung check`, which measures and records nothing); None drops the sentence.
RECORDING_SENTENCES = {"none.recorded": "none.unrecorded", "possible.footer": None,
                       "suspicious.advice": "suspicious.advice.unrecorded"}


def unrecorded(reply: Reply, locale: Locale) -> Reply:
    """`reply` without any promise that the message was recorded for officers."""
    swaps = {Paragraph.of(locale.t(said)): Paragraph.of(locale.t(instead)) if instead else None
             for said, instead in RECORDING_SENTENCES.items()}
    kept = (swaps.get(paragraph, paragraph) for paragraph in reply.paragraphs)
    return Reply(tuple(p for p in kept if p is not None), reply.buttons)


def notice(locale: Locale, key: str, **values: str) -> Reply:
    return Reply((Paragraph.of(locale.t(key, **values)),))


def answer_for(result: MatchResult, locale: Locale) -> Reply:
    if result.band is Band.MATCH:
        return match_reply(result, locale)
    if result.band is Band.POSSIBLE:
        return possible_reply(result, locale)
    return none_reply(locale)


class ReportLog(Protocol):
    """What the checker needs from storage (the report store)."""

    async def record(self, request: CheckRequest, result: MatchResult,
                     not_a_claim: NotAClaim | None = None) -> int: ...


# Told of every logged check after it is recorded (officers' notifications listen here).
ReportListener = Callable[[CheckRequest, "Answer"], Awaitable[None]]
# Told of every answer and the seconds its check took (the metrics of handlers/http listen here).
CheckObserver = Callable[["Answer", float], None]


# A message with strong scam signs whose best entry is only `possible` below this score is answered as
# `suspicious`: there the entry is as often the neighbour of an unknown scam of the same family as the
# scam's own. Measured with bench/register_eval.py (bench/README.md, "The register of a message"), 0 /
# 40 / 45 / 50: the realistic set's unknown scams shown on a neighbouring entry 5 / 5 / 1 / 1 of 8 (the
# others `suspicious`), scams helped 93.8 / 93.8 / 97.9 / 97.9 %, the right entry named 98.5 / 96.2 /
# 89.2 / 87.7 % (the scams called `suspicious` instead); the blind realistic set moves by one case.
SIGNS_OVER_POSSIBLE = 45.0


class Checker:
    def __init__(self, matcher: Matcher, log: ReportLog | None, language: str = "vi",
                 signs: SignReader | None = None) -> None:
        self.matcher = matcher
        self.log = log
        self.language = language
        self.signs = signs
        self.listeners: list[ReportListener] = []
        self.observers: list[CheckObserver] = []

    def decide(self, text: str) -> tuple[MatchResult, SignReading | None]:
        """The decision on a text: the matcher's result and the scam signs read in it; with strong signs
        and no entry close enough, the band is `suspicious` (a known entry always wins over signs)."""
        result = self.matcher.match(text)
        if self.signs is None:
            return result, None
        reading = self.signs.read(text)
        weak = result.band is Band.POSSIBLE and result.score < SIGNS_OVER_POSSIBLE
        if reading.suspicious and (result.band is Band.NONE or weak):
            return MatchResult(Band.SUSPICIOUS), reading
        return result, reading

    def locale_for(self, request: CheckRequest) -> Locale:
        return get_locale(request.language or self.language)

    async def check(self, request: CheckRequest,
                    decision: tuple[MatchResult, SignReading | None] | None = None) -> Answer:
        """Check `request`; an image's check (bot/images) passes its own `decision` on the text read in it."""
        started = time.perf_counter()
        answer = await self.answer(request, decision)
        for observe in self.observers:
            observe(answer, time.perf_counter() - started)
        return answer

    async def answer(self, request: CheckRequest,
                     decision: tuple[MatchResult, SignReading | None] | None = None) -> Answer:
        locale = self.locale_for(request)
        if decision is None and not any(ch.isalnum() for ch in request.text):  # empty, emoji, punctuation
            key = "media.no_text" if request.has_media and not request.text.strip() else "empty.no_text"
            return Answer(MatchResult(Band.NONE), notice(locale, key))
        # In a worker thread: the semantic signal, when enabled, takes a tenth of a second of CPU.
        result, reading = decision if decision is not None else await asyncio.to_thread(self.decide, request.text)
        # What the catalogue does not answer may be talk to the bot ("chào bot", "có thật không?"):
        # logged with its reason, answered with a hint, never queued for officers. A forwarded image is
        # never talk to the bot.
        claim = classify_message(request.text) if result.band is Band.NONE and decision is None else None
        not_a_claim = claim.reason if claim is not None else None
        report_id = await self.log.record(request, result, not_a_claim) if self.log is not None else None
        if claim is not None and not claim.is_claim:
            logger.debug("report %s is not a claim: %s", report_id, claim.detail)
        reply = answer_for(result, locale) if not_a_claim is None else hint_reply(not_a_claim, locale)
        if reading is not None and reading.suspicious and self.signs is not None:
            if result.band is Band.SUSPICIOUS:
                reply = suspicious_reply(reading, self.signs, locale)
            else:
                reply = with_signs(reply, reading, self.signs, locale)
        if report_id is not None and result.band is not Band.NONE:  # a verdict: was it useful?
            reply = with_vote_buttons(reply, report_id, locale)
        if self.log is None:
            reply = unrecorded(reply, locale)
        answer = Answer(result, reply, report_id, signs=reading, not_a_claim=not_a_claim)
        if report_id is not None:
            for listener in self.listeners:
                try:
                    await listener(request, answer)
                except Exception:  # a failed notification must never cost the person their answer
                    logger.exception("report listener failed for report %s", report_id)
        return answer
