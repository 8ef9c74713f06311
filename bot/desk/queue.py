"""The review queue: pending reports grouped by question, their cards, and what officers do with them.

A new report is posted to the officers' chat as a card with suggested entries; from the card or
the queue (/baocao) an officer links the group to an entry (its wording becomes a variant, so the
next forward matches), makes a new entry from it, or dismisses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.checking import Answer, CheckRequest, ReportKind, notice, verdict_label
from bot.config import Config
from bot.desk.clock import local_time
from bot.desk.entries import EntryDesk, entry_data
from bot.desk.grouping import PendingReports, ReportGroup, is_near_duplicate, report_view
from bot.desk.payloads import Payload, PayloadError, parse_payload
from bot.desk.rights import Actor, Rights
from bot.locale import Locale
from bot.matching.matcher import Band, Candidate, Matcher
from bot.matching.normalize import folded
from bot.replies import Button, Paragraph, Reply, Span, bold, italic, shorten
from bot.store.audit import AuditRecord
from bot.store.reports import ReportRow
from bot.store.storage import Storage
from bot.store.values import utcnow

NOTIFY_EVERY = dt.timedelta(hours=1)  # one notification per near-duplicate group per hour
PAGE_SIZE = 5
MAX_SUGGESTIONS = 3
MAX_VARIANT = 1000  # a linked report longer than this is not kept as a variant of the entry
ORIGIN_KINDS = frozenset({"user", "hidden_user", "chat", "channel"})  # forward origins with a wording


@dataclass(frozen=True)
class Press:
    """What a button press does: a short answer on the button, and maybe a message.

    `replace` says the message replaces the one whose button was pressed; otherwise it is sent anew."""

    toast: str
    reply: Reply | None = None
    replace: bool = False


class ReviewQueue:
    """The pending reports as officers review them: the queue's pages, cards, links and dismissals."""

    def __init__(self, config: Config, storage: Storage, matcher: Matcher, rights: Rights,
                 pending: PendingReports, entries: EntryDesk, locale: Locale) -> None:
        self.config = config
        self.storage = storage
        self.matcher = matcher
        self.rights = rights
        self.pending = pending
        self.entries = entries
        self.locale = locale
        self.t = locale.t

    async def queue(self, actor: Actor, command: str, page: int = 1, *, buttons: bool = True) -> Reply:
        """/baocao: pending reports, newest first, near-duplicates grouped, PAGE_SIZE groups a page;
        without buttons each item names the commands that act on it."""
        refusal = await self.rights.guard(actor, command)
        if refusal is not None:
            return refusal
        return self.queue_page(await self.pending.groups(), page, buttons=buttons)

    def queue_page(self, groups: Sequence[ReportGroup], page: int, *, buttons: bool = True) -> Reply:
        if not groups:
            return notice(self.locale, "officers.queue.empty")
        pages = (len(groups) + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page, 1), pages)
        shown = groups[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        paragraphs = [Paragraph.of(bold(self.t("officers.queue.title", page=page, pages=pages, groups=len(groups),
                                                  reports=sum(len(g.members) for g in groups))))]
        rows: list[tuple[Button, ...]] = []
        for number, group in enumerate(shown, start=(page - 1) * PAGE_SIZE + 1):
            lead = group.lead
            paragraphs.append(Paragraph.of(
                bold(f"{number}. "), *self.dispute_spans(group), f"«{shorten(lead.text, 200)}»\n",
                italic(self.t("officers.queue.meta", askers=group.askers, time=local_time(lead.created_at),
                              id=lead.id)),
                *(() if buttons else ("\n", self.t("officers.queue.commands", id=lead.id))),
            ))
            report, at_page = str(lead.id), str(page)
            rows.append((
                Button(f"{number}. {self.t('officers.button.link')}", Payload("sg", (report, at_page)).encode()),
                Button(f"{number}. {self.t('officers.button.new')}", Payload("nw", (report,)).encode()),
                Button(f"{number}. {self.t('officers.button.dismiss')}", Payload("dm", (report, at_page)).encode()),
            ))
        navigation = []
        if page > 1:
            navigation.append(Button("◀", Payload("pg", (str(page - 1),)).encode()))
        if page < pages:
            navigation.append(Button("▶", Payload("pg", (str(page + 1),)).encode()))
        if not buttons:
            if page < pages:
                paragraphs.append(Paragraph.of(self.t("officers.queue.next", page=page + 1)))
            return Reply(tuple(paragraphs))
        if navigation:
            rows.append(tuple(navigation))
        return Reply(tuple(paragraphs), tuple(rows))

    def dispute_spans(self, group: ReportGroup) -> list[str | Span]:
        """"Disputed" and what the disputed answer said, when someone pressed 👎 on it."""
        if not group.disputes:
            return []
        votes = sum(d.votes for d in group.disputes.values())
        shown = sorted({d.rumor_id for d in group.disputes.values() if d.rumor_id})
        return [bold(self.t("feedback.queue.disputed", votes=votes)), " ",
                self.t("feedback.queue.answered", ids=", ".join(shown) or "?"), "\n"]

    def report_card(self, group: ReportGroup, headline_key: str = "officers.card.title") -> Reply:
        """One group of reports with its buttons: link to a suggested entry, make one, dismiss."""
        t = self.t
        lead = group.lead
        paragraphs = [
            Paragraph.of(bold(t(headline_key, id=lead.id)), " · ", t("officers.card.askers", askers=group.askers)),
            *([Paragraph.of(*self.dispute_spans(group))] if group.disputes else []),
            Paragraph.of(italic(f"«{shorten(lead.text, 1200)}»")),
        ]
        meta = [t("officers.card.received", time=local_time(lead.created_at),
                  band=t(f"officers.band.{lead.band}"))]
        origin = self.origin_of(lead)
        if origin:
            meta.append(t("officers.card.origin", origin=origin))
        paragraphs.append(Paragraph.of("\n".join(meta)))
        buttons: list[tuple[Button, ...]] = []
        candidates = self.suggestions(group)
        if candidates:
            paragraphs.append(Paragraph.of(bold(t("officers.card.suggestions"))))
            lines = []
            for number, candidate in enumerate(candidates, start=1):
                rumor = candidate.rumor
                lines.append(f"{number}. {rumor.id} — {verdict_label(rumor.verdict, self.locale)} — "
                             f"{shorten(rumor.claim, 100)} ({candidate.score:.0f})")
                try:
                    payload = Payload("ln", (str(lead.id), rumor.id)).encode()
                except ValueError:  # an id too long for a button: /gan still links it
                    continue
                buttons.append((Button(f"🔗 {number}. {shorten(rumor.id, 40)}", payload),))
            paragraphs.append(Paragraph.of("\n".join(lines)))
        paragraphs.append(Paragraph.of(italic(t("officers.card.link_hint", id=lead.id))))
        buttons.append((
            Button(t("officers.button.refresh"), Payload("sg", (str(lead.id), "0")).encode()),
            Button(t("officers.button.new"), Payload("nw", (str(lead.id),)).encode()),
            Button(t("officers.button.dismiss"), Payload("dm", (str(lead.id), "0")).encode()),
        ))
        return Reply(tuple(paragraphs), tuple(buttons))

    def suggestions(self, group: ReportGroup) -> list[Candidate]:
        """The published entries the matcher finds closest to a group's lead, best first."""
        return [c for c in self.matcher.match(group.lead.text).candidates if c.rumor.is_published][:MAX_SUGGESTIONS]

    def origin_of(self, report: ReportRow) -> str:
        """Where a report was forwarded from, in words ("kênh «Tin Nóng» · đăng lúc …"), or ""."""
        if not report.origin_kind:
            return ""
        t = self.t
        # a kind of origin Telegram adds later has no wording yet: say "elsewhere", not crash
        kind = report.origin_kind if report.origin_kind in ORIGIN_KINDS else "other"
        origin = t(f"officers.origin_kind.{kind}")
        if report.origin_name:
            origin = f"{origin} «{report.origin_name}»"
        if report.origin_date:
            origin += " · " + t("officers.card.original_date",
                                time=local_time(dt.datetime.fromisoformat(report.origin_date)))
        return origin

    async def notification_for(self, request: CheckRequest, answer: Answer) -> Reply | None:
        """The card to post in the officers' chat for a new pending report, or None: nothing to post,
        or its near-duplicate group was posted less than an hour ago."""
        if (self.config.officers_chat is None or answer.report_id is None or request.kind is not ReportKind.ASKED
                or answer.band is Band.MATCH or answer.not_a_claim is not None):
            return None
        group = await self.pending.near_duplicates_of(answer.report_id)
        if group is None:
            return None
        recent = await self.storage.reviews.notified_texts_since(utcnow() - NOTIFY_EVERY)
        if any(is_near_duplicate(group.view, report_view(text)) for text in recent):
            return None
        await self.storage.reviews.record_notification(answer.report_id, request.platform,
                                                       str(self.config.officers_chat))
        return self.report_card(group, "officers.card.new")

    async def link(self, actor: Actor, report_id: int, rumor_id: str) -> Press:
        """Link a report's group to an entry; its text becomes a variant, so the next forward matches."""
        refusal = await self.rights.guard(actor, "link", f"{report_id} {rumor_id}")
        if refusal is not None:
            return Press(refusal.plain)
        group, problem = await self.reviewable(report_id)
        if group is None:
            return Press(problem)
        rumor = self.entries.catalogue.get(rumor_id)
        if rumor is None or not rumor.is_published:
            return Press(self.t("officers.unknown_entry", id=rumor_id))
        raw = entry_data(rumor)
        text = " ".join(group.lead.text.split())
        if len(text) <= MAX_VARIANT and group.view not in {folded(t) for t in rumor.texts}:
            raw["variants"] = [*raw.get("variants", []), text]
        reply = await self.entries.change(actor, rumor, "link", raw, report_ids=group.report_ids, report_id=report_id)
        done = self.t("officers.linked", count=len(group.members), id=rumor.id)
        return Press(done, Reply((Paragraph.of(bold(done)), *reply.paragraphs[1:])), replace=True)

    async def link_command(self, actor: Actor, command: str, args: str) -> Reply:
        """/gan <report> <id>: link to any entry, found with /tim."""
        refusal = await self.rights.guard(actor, command, args)
        if refusal is not None:
            return refusal
        parts = args.split()
        if len(parts) != 2 or not parts[0].lstrip("#").isdigit():
            return notice(self.locale, "officers.link.usage")
        press = await self.link(actor, int(parts[0].lstrip("#")), parts[1])
        return press.reply or Reply((Paragraph.of(press.toast),))

    async def dismiss(self, actor: Actor, report_id: int, page: int) -> Press:
        refusal = await self.rights.guard(actor, "dismiss", str(report_id))
        if refusal is not None:
            return Press(refusal.plain)
        group, problem = await self.reviewable(report_id)
        if group is None:
            return Press(problem)
        await self.storage.reviews.review(group.report_ids, "dismissed", None, AuditRecord(
            actor.platform, actor.user_id, "dismiss", chat_id=actor.chat_id, report_id=report_id,
            after={"reports": group.report_ids, "text": shorten(group.lead.text, 300)},
        ))
        done = self.t("officers.dismissed", count=len(group.members))
        if page:
            return Press(done, self.queue_page(await self.pending.groups(), page), replace=True)
        quote = Paragraph.of(italic(f"«{shorten(group.lead.text, 300)}»"))
        return Press(done, Reply((Paragraph.of(bold(done)), quote)), replace=True)

    async def dismiss_command(self, actor: Actor, command: str, args: str) -> Reply:
        """/boqua <report>: dismiss a report's group without a button."""
        refusal = await self.rights.guard(actor, command, args)
        if refusal is not None:
            return refusal
        report = args.strip().lstrip("#")
        if not report.isdigit():
            return notice(self.locale, "officers.dismiss.usage")
        press = await self.dismiss(actor, int(report), 0)
        return press.reply or Reply((Paragraph.of(press.toast),))

    async def reviewable(self, report_id: int) -> tuple[ReportGroup | None, str]:
        """The pending group of a report, or why there is none (unknown, or already handled)."""
        group = await self.pending.group_of(report_id)
        if group is not None:
            return group, ""
        if await self.storage.reports.get(report_id) is None:
            return None, self.t("officers.press.unknown_report")
        review = await self.storage.reviews.of(report_id)
        if review is None:
            return None, self.t("officers.press.not_pending")
        return None, self.t("officers.press.handled", by=review.reviewed_by.split(":")[-1],
                            time=local_time(review.reviewed_at))

    async def press(self, actor: Actor, data: str) -> Press:
        """A button press outside the guided /them: validated, authorised, then done."""
        payload = parse_payload(data)
        if not isinstance(payload, Payload):  # stale or forged: refused, and recorded like any refusal
            await self.storage.audit.record_refusal(actor.platform, actor.chat_id, actor.user_id,
                                              f"button ({payload.value})", shorten(data, 64))
            return Press(self.t("officers.press.stale" if payload is PayloadError.STALE else "officers.press.invalid"))
        refusal = await self.rights.guard(actor, f"button {payload.action}", data)
        if refusal is not None:
            return Press(refusal.plain)
        if payload.action == "ln":
            return await self.link(actor, int(payload.args[0]), payload.args[1])
        if payload.action == "dm":
            return await self.dismiss(actor, int(payload.args[0]), int(payload.args[1]))
        if payload.action == "pg":
            return Press("", self.queue_page(await self.pending.groups(), int(payload.args[0])), replace=True)
        if payload.action == "sg":
            group, problem = await self.reviewable(int(payload.args[0]))
            if group is None:
                return Press(problem)
            return Press("", self.report_card(group), replace=payload.args[1] == "0")
        # vd, ok, no and nw belong to a guided /them that is no longer open
        return Press(self.t("officers.press.expired"))

    async def report_claim(self, actor: Actor, report_id: int) -> tuple[str | None, str]:
        """The text of a pending report to start an entry from, or why not."""
        refusal = await self.rights.guard(actor, "create from report", str(report_id))
        if refusal is not None:
            return None, refusal.plain
        group, problem = await self.reviewable(report_id)
        return (group.lead.text, "") if group is not None else (None, problem)
