"""The review queue in the browser: the same groups, counts and forward origins as /baocao, and the same
use cases behind its buttons (bot/desk/queue.py): a link fires the follow-ups to askers and keeps the
wording as a variant, exactly as /gan does."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.desk.grouping import ReportGroup
from bot.desk.logins import WebSession
from bot.desk.officers import OfficerDesk
from bot.matching.matcher import Candidate
from bot.replies import Span
from bot.store.reports import ReportRow
from handlers.web.keys import DESK, state
from handlers.web.render import flash, message_page, page, see_other, tr

QUEUE_PAGE_SIZE = 20  # groups a page: a desktop screen holds more than a chat message's five
SHOWN_TEXT = 600  # characters of a report's text in the queue; its page shows all of it
MAX_MEMBERS_SHOWN = 50
MAX_FOUND = 12


@dataclass(frozen=True)
class GroupView:
    """One group of the queue as a page shows it."""

    number: int
    group: ReportGroup
    lead: ReportRow
    candidates: list[Candidate]
    origin: str
    dispute: str


def group_view(desk: OfficerDesk, number: int, group: ReportGroup) -> GroupView:
    dispute = "".join(part.text if isinstance(part, Span) else part for part in desk.reviews.dispute_spans(group))
    return GroupView(number, group, group.lead, desk.reviews.suggestions(group), desk.reviews.origin_of(group.lead),
                     dispute.strip())


def number_arg(request: web.Request, name: str, default: int = 1) -> int:
    value = request.query.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else default


async def queue(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]
    groups = await desk.pending_groups()
    pages = max(1, (len(groups) + QUEUE_PAGE_SIZE - 1) // QUEUE_PAGE_SIZE)
    at = min(number_arg(request, "page"), pages)
    start = (at - 1) * QUEUE_PAGE_SIZE
    items = [group_view(desk, number, group)
             for number, group in enumerate(groups[start:start + QUEUE_PAGE_SIZE], start=start + 1)]
    return page(request, "queue.html", items=items, groups=len(groups), reports=sum(len(g.members) for g in groups),
                page_number=at, pages=pages, shown=SHOWN_TEXT)


async def report(request: web.Request) -> web.StreamResponse:
    """One group of reports in full: every wording, the suggestions, and a search for any other entry."""
    desk = request.app[DESK]
    report_id = int(request.match_info["report_id"])
    group, problem = await desk.reviews.reviewable(report_id)
    if group is None:
        return message_page(request, 404, tr(request, "web.report.title", id=report_id), problem)
    words = request.query.get("q", "").strip()[:200]
    found = [r for r in desk.entries.search(words, MAX_FOUND) if r.is_published] if words else []
    return page(request, "report.html", item=group_view(desk, 1, group), words=words, found=found,
                members=[(member, desk.reviews.origin_of(member)) for member in group.members[:MAX_MEMBERS_SHOWN]])


def session_of(request: web.Request) -> WebSession:
    session = state().session
    assert session is not None, "the sessions middleware lets no one without a session this far"
    return session


async def link(request: web.Request) -> web.StreamResponse:
    report_id = int(request.match_info["report_id"])
    entry = (await request.post()).get("entry")
    entry_id = entry.strip() if isinstance(entry, str) else ""
    press = await request.app[DESK].link(session_of(request).actor, report_id, entry_id)
    flash(request, press.toast)
    return see_other("/queue" if press.reply is not None else f"/reports/{report_id}")


async def dismiss(request: web.Request) -> web.StreamResponse:
    report_id = int(request.match_info["report_id"])
    press = await request.app[DESK].reviews.dismiss(session_of(request).actor, report_id, 0)
    flash(request, press.toast)
    return see_other("/queue")

