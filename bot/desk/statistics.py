"""Statistics for officers (/thongke and the weekly digest): what people ask, what spreads where,
whether the answers help — as a plain reply, and as the data of a chart (bot/desk/charts.py draws it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from bot.catalogue import Catalogue
from bot.desk.clock import VIETNAM
from bot.desk.officers import OfficerDesk
from bot.locale import Locale, get_locale
from bot.replies import Paragraph, Reply, bold, italic, shorten
from bot.store.storage import Storage
from bot.store.values import utcnow

DEFAULT_DAYS = 7
MAX_DAYS = 90
TOP_ENTRIES = 5  # entries listed and drawn: more lines make the chart unreadable on a phone
TOP_CHATS = 3  # groups named per entry
LEGEND_CLAIM = 60  # characters of the claim under each entry id in the chart's legend


@dataclass(frozen=True)
class EntryFigures:
    rumor_id: str
    asked: int
    seen: int
    votes_up: int = 0
    votes_down: int = 0
    chats: tuple[tuple[str, int], ...] = ()  # the groups where it was seen (name or id) and how often

    @property
    def total(self) -> int:
        return self.asked + self.seen


@dataclass(frozen=True)
class DailyChart:
    """Daily counts (asked + seen) of the top entries, ready to draw."""

    title: str
    y_label: str
    days: tuple[dt.date, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]  # legend label, one count per day


@dataclass(frozen=True)
class Statistics:
    days: int
    first_day: dt.date
    last_day: dt.date
    asked: int = 0
    matched: int = 0
    possible: int = 0
    not_claims: int = 0  # greetings, thanks, bare questions...: not counted in `asked`
    seen: int = 0
    pending_groups: int = 0
    pending_reports: int = 0
    votes_up: int = 0
    votes_down: int = 0
    follow_ups_sent: int = 0
    undelivered: int = 0  # messages given up after a day of failed tries (dead letters), in the period
    unsent: int = 0  # messages owed and not yet delivered, now
    top: tuple[EntryFigures, ...] = ()
    daily: dict[str, tuple[int, ...]] = field(default_factory=dict)  # entry -> count per day

    @property
    def day_list(self) -> tuple[dt.date, ...]:
        return tuple(self.first_day + dt.timedelta(days=i) for i in range(self.days))


def parse_days(text: str) -> int | None:
    """The period of /thongke: nothing for a week, else a number of days from 1 to MAX_DAYS."""
    text = text.strip().lower().removesuffix("d").removesuffix("ngày").strip()
    if not text:
        return DEFAULT_DAYS
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_DAYS else None


class StatisticsDesk:
    def __init__(self, storage: Storage, officers: OfficerDesk | None, catalogue: Catalogue | None = None,
                 language: str = "vi") -> None:
        self.storage = storage
        self.officers = officers
        self._catalogue = catalogue
        self.locale: Locale = get_locale(language)

    @property
    def catalogue(self) -> Catalogue:
        if self.officers is not None:
            return self.officers.catalogue
        assert self._catalogue is not None
        return self._catalogue

    async def gather(self, days: int, now: dt.datetime | None = None, last_day: dt.date | None = None) -> Statistics:
        """The figures of the last `days` days (Vietnam time), today included — or of the `days` days
        that end with `last_day` (the web desk's any period). Pending reports are always as of now."""
        until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), VIETNAM) if last_day else None
        last_day = last_day or (now or utcnow()).astimezone(VIETNAM).date()
        first_day = last_day - dt.timedelta(days=days - 1)
        since = dt.datetime.combine(first_day, dt.time(), VIETNAM)
        figures = self.storage.statistics
        totals = await figures.report_totals(since, until)
        entry_days = await figures.entry_days(since, until)
        asked: dict[str, int] = defaultdict(int)
        seen: dict[str, int] = defaultdict(int)
        daily: dict[str, list[int]] = defaultdict(lambda: [0] * days)
        for row in entry_days:
            (asked if row.kind == "asked" else seen)[row.rumor_id] += row.count
            index = (row.day - first_day).days
            if 0 <= index < days:
                daily[row.rumor_id][index] += row.count
        votes = await figures.feedback_by_entry(since, until)
        titles = await self.storage.groups.titles()
        chats: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for rumor_id, platform, chat_id, count in await figures.sightings_by_chat(since, until):
            chats[rumor_id].append((titles.get((platform, chat_id), chat_id), count))
        ranked = sorted({*asked, *seen}, key=lambda r: (-(asked[r] + seen[r]), r))[:TOP_ENTRIES]
        top = tuple(
            EntryFigures(r, asked[r], seen[r], *votes.get(r, (0, 0)), chats=tuple(chats[r][:TOP_CHATS]))
            for r in ranked
        )
        groups = await self.officers.pending_groups() if self.officers is not None else []
        follow_ups = await figures.follow_up_outcomes(since, until)
        outbox = await self.storage.outbox.counts(since, until)
        return Statistics(
            days=days, first_day=first_day, last_day=last_day,
            asked=sum(n for (kind, _), n in totals.items() if kind == "asked"),
            matched=totals.get(("asked", "match"), 0),
            possible=totals.get(("asked", "possible"), 0),
            not_claims=await figures.not_claims(since, until),
            seen=sum(n for (kind, _), n in totals.items() if kind == "seen"),
            pending_groups=len(groups),
            pending_reports=sum(len(g.members) for g in groups),
            votes_up=sum(up for up, _ in votes.values()),
            votes_down=sum(down for _, down in votes.values()),
            follow_ups_sent=follow_ups.get("sent", 0),
            undelivered=outbox.get("dead", 0),
            unsent=outbox.get("pending", 0) + outbox.get("sending", 0),
            top=top,
            daily={r: tuple(daily[r]) for r in ranked},
        )

    def reply(self, stats: Statistics, headline_key: str = "stats.title") -> Reply:
        t = self.locale.t
        period = t("stats.period", days=stats.days, first=stats.first_day.strftime("%d/%m"),
                   last=stats.last_day.strftime("%d/%m/%Y"))
        share = f"{100 * stats.matched / stats.asked:.0f}" if stats.asked else "0"
        lines = [
            t("stats.checks", asked=stats.asked, matched=stats.matched, share=share, possible=stats.possible),
            t("stats.not_claims", count=stats.not_claims),
            t("stats.seen", seen=stats.seen),
            t("stats.pending", groups=stats.pending_groups, reports=stats.pending_reports),
            t("stats.feedback", up=stats.votes_up, down=stats.votes_down),
            t("stats.follow_ups", sent=stats.follow_ups_sent),
        ]
        if stats.undelivered or stats.unsent:  # a healthy network shows nothing here
            lines.append(t("stats.delivery", dead=stats.undelivered, unsent=stats.unsent))
        paragraphs = [Paragraph.of(bold(t(headline_key)), "\n", italic(period)), Paragraph.of("\n".join(lines))]
        if stats.top:
            paragraphs.append(Paragraph.of(bold(t("stats.top"))))
            for number, figures in enumerate(stats.top, start=1):
                rumor = self.catalogue.get(figures.rumor_id)
                claim = shorten(rumor.claim, 90) if rumor is not None else ""
                detail = t("stats.entry", asked=figures.asked, seen=figures.seen, up=figures.votes_up,
                           down=figures.votes_down)
                where = ""
                if figures.chats:
                    where = "\n" + t("stats.where", chats=", ".join(
                        f"{shorten(name, 40)} ({count})" for name, count in figures.chats))
                paragraphs.append(Paragraph.of(bold(f"{number}. {figures.rumor_id}"), f" — {claim}\n",
                                               italic(detail + where)))
        else:
            paragraphs.append(Paragraph.of(t("stats.no_entries")))
        return Reply(tuple(paragraphs))

    def chart(self, stats: Statistics) -> DailyChart | None:
        """The chart of the top entries' daily counts; None when nothing was asked or seen."""
        if not stats.top:
            return None
        t = self.locale.t
        return DailyChart(
            title=t("stats.chart.title", days=stats.days),
            y_label=t("stats.chart.y_label"),
            days=stats.day_list,
            series=tuple((self.legend(f.rumor_id), stats.daily.get(f.rumor_id, (0,) * stats.days))
                         for f in stats.top),
        )

    def legend(self, rumor_id: str) -> str:
        rumor = self.catalogue.get(rumor_id)
        return f"{rumor_id}\n{shorten(rumor.claim, LEGEND_CLAIM)}" if rumor is not None else rumor_id
