"""The check use case: a message in, a decision and a plain reply out, the report logged."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
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
from bot.votes import with_vote_buttons

logger = logging.getLogger(__name__)

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


def none_reply(locale: Locale) -> Reply:
    return Reply((
        Paragraph.of(bold(locale.t("none.headline"))),
        Paragraph.of(locale.t("none.recorded")),
        Paragraph.of(locale.t("none.tip")),
    ))


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


class Checker:
    def __init__(self, matcher: Matcher, log: ReportLog | None, language: str = "vi") -> None:
        self.matcher = matcher
        self.log = log
        self.language = language
        self.listeners: list[ReportListener] = []

    def locale_for(self, request: CheckRequest) -> Locale:
        return get_locale(request.language or self.language)

    async def check(self, request: CheckRequest) -> Answer:
        locale = self.locale_for(request)
        if not any(ch.isalnum() for ch in request.text):  # nothing to check: empty, emoji, punctuation
            key = "media.no_text" if request.has_media and not request.text.strip() else "empty.no_text"
            return Answer(MatchResult(Band.NONE), notice(locale, key))
        # In a worker thread: the semantic signal, when enabled, takes a tenth of a second of CPU.
        result = await asyncio.to_thread(self.matcher.match, request.text)
        # What the catalogue does not answer may be talk to the bot ("chào bot", "có thật không?"):
        # logged with its reason, answered with a hint, never queued for officers.
        reading = classify_message(request.text) if result.band is Band.NONE else None
        not_a_claim = reading.reason if reading is not None else None
        report_id = await self.log.record(request, result, not_a_claim) if self.log is not None else None
        if reading is not None and not reading.is_claim:
            logger.debug("report %s is not a claim: %s", report_id, reading.detail)
        reply = answer_for(result, locale) if not_a_claim is None else hint_reply(not_a_claim, locale)
        if report_id is not None and result.band is not Band.NONE:  # a verdict: was it useful?
            reply = with_vote_buttons(reply, report_id, locale)
        answer = Answer(result, reply, report_id, not_a_claim)
        if report_id is not None:
            for listener in self.listeners:
                try:
                    await listener(request, answer)
                except Exception:  # a failed notification must never cost the person their answer
                    logger.exception("report listener failed for report %s", report_id)
        return answer
