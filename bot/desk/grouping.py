"""Pending reports grouped by question: near-duplicate wordings are one group, answered once.

The review queue shows the groups; linking or dismissing acts on a whole group; a new entry made
from a report takes its group with it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.matching.normalize import folded
from bot.store.feedback import Dispute
from bot.store.reports import ReportRow
from bot.store.storage import Storage

# Two reports are one question when their folded texts score at least this on token_sort_ratio.
# Measured on ../shared/eval/dev (299 texts): no two texts about different rumors score above 73 —
# the closest are a rumor and the correction quoting it (73, 72, 71), which must never be grouped —
# while 15 of 24 "exact_forward" cases score ≥ 90 against the claim they forward (20 at ≥ 85). A
# wrong group hides a report behind another's answer; a missed one is only one more line: keep 90.
NEAR_DUPLICATE = 90.0
MAX_GROUP_VIEWS = 8  # wordings of a group a newcomer is compared with: bounds the queue's cost


@dataclass
class ReportGroup:
    """Near-duplicate pending reports; the newest leads."""

    lead: ReportRow
    view: str
    members: list[ReportRow] = field(default_factory=list)
    views: list[str] = field(default_factory=list)  # the distinct folded texts a newcomer is compared with
    disputes: dict[int, Dispute] = field(default_factory=dict)  # members whose answer got a 👎 since review

    def takes(self, view: str) -> bool:
        return any(is_near_duplicate(view, known) for known in self.views)

    def add(self, report: ReportRow, view: str) -> None:
        self.members.append(report)
        if view not in self.views and len(self.views) < MAX_GROUP_VIEWS:
            self.views.append(view)

    @property
    def askers(self) -> int:
        return len({r.user_id or f"report-{r.id}" for r in self.members})

    @property
    def report_ids(self) -> list[int]:
        return [r.id for r in self.members]


@functools.lru_cache(maxsize=4096)
def report_view(text: str) -> str:
    """A report's folded text, remembered: the queue and every notification compare the same
    pending reports again and again, and normalising them each time cost most of the bot's time
    once hundreds were pending (bench/fuzz_updates.py, profiled)."""
    return folded(text)


def is_near_duplicate(a: str, b: str) -> bool:
    """Compare two folded texts."""
    return fuzz.token_sort_ratio(a, b) >= NEAR_DUPLICATE


def group_reports(reports: Sequence[ReportRow]) -> list[ReportGroup]:
    """Group reports (newest first): a report joins the first group holding a near-duplicate of it."""
    groups: list[ReportGroup] = []
    for report in reports:
        view = report_view(report.text)
        joined = [g for g in groups if g.takes(view)]
        if not joined:
            joined = [ReportGroup(report, view)]
            groups.append(joined[0])
        group = joined[0]
        for other in joined[1:]:  # the report bridges groups: one question after all
            for member in other.members:
                group.add(member, report_view(member.text))
            groups.remove(other)
        group.add(report, view)
    for group in groups:
        group.members.sort(key=lambda r: r.id, reverse=True)
    return groups


class PendingReports:
    """The reports no officer has handled yet, as groups."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def groups(self) -> list[ReportGroup]:
        reports = await self.storage.reviews.pending()
        groups = group_reports(reports)
        disputes = await self.storage.feedback.disputes([r.id for r in reports])
        for group in groups:
            group.disputes = {i: disputes[i] for i in group.report_ids if i in disputes}
        return groups

    async def near_duplicates_of(self, report_id: int) -> ReportGroup | None:
        """A pending report with its near-duplicates among the pending ones, in one pass.

        What a notification needs: the report's group without grouping the whole queue, whose cost
        grows with the square of the pending reports (with 1,000 pending, seconds of CPU for every
        new report, during which no one else is answered). Unlike the queue's grouping, a report
        that is near only to a near-duplicate, not to this one, is not pulled in."""
        pending = await self.storage.reviews.pending()
        if not any(r.id == report_id for r in pending):
            return None
        views = [report_view(r.text) for r in pending]
        at = next(i for i, r in enumerate(pending) if r.id == report_id)
        close = process.extract(views[at], views, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE,
                                limit=None)
        # an empty view (boilerplate only) is near nothing, not even itself
        indexes = {index for _, _, index in close} | {at}
        members = sorted((pending[index] for index in indexes), key=lambda r: r.id, reverse=True)
        group = ReportGroup(members[0], report_view(members[0].text))
        for member in members:
            group.add(member, report_view(member.text))
        return group

    async def group_of(self, report_id: int) -> ReportGroup | None:
        for group in await self.groups():
            if report_id in group.report_ids:
                return group
        return None
