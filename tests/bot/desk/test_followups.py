"""Follow-ups and feedback over a real SQLite file and the real matcher, no platform."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Sequence

from bot.core import Core
from bot.delivery.outbox import Delivery, Ending
from bot.desk.charts import render_daily_chart
from bot.desk.feedback import FeedbackDesk
from bot.desk.followups import FollowUp, FollowUpDesk
from bot.desk.statistics import StatisticsDesk, parse_days
from bot.store.outbox import Owed
from bot.votes import PAYLOAD_PATTERN, Vote, VotePayload, VotePayloadError, parse_vote_payload
from tests.bot.desk.test_officers import CLAIM, FORM, actor, ask, desk_of, rows
from tests.conftest import REPO
from tests.fake_bot_api import png_size


def follow_ups_of(core: Core) -> FollowUpDesk:
    assert core.outbox is not None
    return FollowUpDesk(core.outbox, lambda: core.catalogue)


def render(follow_up: FollowUp) -> list[Owed]:
    """Two messages for a follow-up, as a long one is split: the reference rides on the last."""
    return [Owed("telegram", follow_up.chat_id, "follow_up", {"text": follow_up.reply.plain[:100]}),
            Owed("telegram", follow_up.chat_id, "follow_up", {"text": "…"}, follow_up.ref)]


async def test_an_entry_made_from_a_report_follows_up_its_askers_once(core: Core) -> None:
    desk = desk_of(core)
    first = await core.checker.check(ask(CLAIM, "5001", "10"))
    await core.checker.check(ask(CLAIM + " nha", "5001", "11"))  # the same person, another wording
    await core.checker.check(ask(CLAIM, "5002", "12"))
    told: list[tuple[Sequence[int], str]] = []

    async def listener(report_ids: Sequence[int], rumor_id: str) -> None:
        told.append((report_ids, rumor_id))

    desk.link_listeners.append(listener)
    assert first.report_id is not None
    await desk.create(actor(), {"id": "cat-nuoc-pho-co", **dict(line.split(": ", 1) for line in FORM.splitlines())},
                      report_id=first.report_id)
    assert [(sorted(ids), rumor) for ids, rumor in told] == [([1, 2, 3], "cat-nuoc-pho-co")]

    due = await follow_ups_of(core).due("telegram")
    assert [(f.chat_id, f.report_ids, f.reply_to) for f in due] == [("5001", (1, 2), "11"), ("5002", (3,), "12")]
    assert "SAI SỰ THẬT" in due[0].reply.plain and "capnuocquangnam.example" in due[0].reply.plain
    assert due[0].reply.buttons[-1][0].payload == "v1:fb:up:2"  # the follow-up can be rated too

    assert await follow_ups_of(core).deliver("telegram", render) == 2
    assert await follow_ups_of(core).deliver("telegram", render) == 0  # owed once
    owed = [(r[1], r[2], r[3]) for r in rows(core, "SELECT id, chat_id, kind, ref FROM outbox ORDER BY id")]
    assert owed == [("5001", "follow_up", None), ("5001", "follow_up", '{"follow_up": [1, 2]}'),
                    ("5002", "follow_up", None), ("5002", "follow_up", '{"follow_up": [3]}')]
    outcomes = rows(core, "SELECT report_id, outcome FROM follow_ups ORDER BY report_id")
    assert [tuple(r) for r in outcomes] == [(1, "queued"), (2, "queued"), (3, "queued")]

    # the sender settles each on its last message: delivered to one chat, refused for good by the other
    assert core.outbox is not None and core.storage is not None
    lease = dt.timedelta(minutes=1)
    firsts = await core.storage.outbox.claim("telegram", 10, lease)
    assert [(m.chat_id, m.ref) for m in firsts] == [("5001", None), ("5002", None)]  # a chat's oldest first
    for message in firsts:
        await core.storage.outbox.sent(message.id)
    lasts = {m.chat_id: m for m in await core.storage.outbox.claim("telegram", 10, lease)}
    await core.outbox.ended(Delivery(lasts["5001"], Ending.SENT))
    await core.outbox.ended(Delivery(lasts["5002"], Ending.BLOCKED))
    outcomes = rows(core, "SELECT report_id, outcome FROM follow_ups ORDER BY report_id")
    assert [tuple(r) for r in outcomes] == [(1, "sent"), (2, "sent"), (3, "blocked")]
    assert await follow_ups_of(core).deliver("telegram", render) == 0  # never again, whatever the ending


async def test_old_questions_and_answers_already_given_are_not_followed_up(core: Core) -> None:
    desk = desk_of(core)
    await core.checker.check(ask(CLAIM, "5001", "10"))
    await desk.add_from_form(actor(), "/them", "id: cat-nuoc-pho-co\n" + FORM)
    await desk.link(actor(), 1, "cat-nuoc-pho-co")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert await follow_ups_of(core).due("telegram", later) == []
    assert rows(core, "SELECT outcome FROM follow_ups")[0][0] == "expired"

    # a disputed match, which the officer links back to the very entry shown: no repeat of the answer
    answer = await core.checker.check(ask(CLAIM, "5003", "20"))
    assert answer.report_id is not None and answer.band.value == "match"
    assert core.storage is not None
    feedback = FeedbackDesk(core.storage, desk)
    vote = await feedback.vote("telegram", "5003", "5003", f"v1:fb:dn:{answer.report_id}")
    assert "cán bộ" in vote.toast and vote.officers_card is not None
    assert "bị báo chưa đúng" in vote.officers_card.plain
    assert [g.lead.id for g in await desk.pending_groups()] == [answer.report_id]
    await desk.link(actor(), answer.report_id, "cat-nuoc-pho-co")
    assert await desk.pending_groups() == []
    assert await follow_ups_of(core).due("telegram") == []
    assert rows(core, "SELECT outcome FROM follow_ups ORDER BY report_id")[-1][0] == "answered"
    # a second 👎 from someone else reopens the case: reviewed answers can be disputed again
    await feedback.vote("telegram", "5003", "5004", f"v1:fb:dn:{answer.report_id}")
    assert [g.lead.id for g in await desk.pending_groups()] == [answer.report_id]


def test_vote_payloads_are_short_versioned_and_validated() -> None:
    payload = VotePayload(Vote.DOWN, 123456789012345)
    assert len(payload.encode().encode()) <= 64 and parse_vote_payload(payload.encode()) == payload
    assert parse_vote_payload("v2:fb:up:1") is VotePayloadError.STALE
    for forged in ("v1:fb:up:-1", "v1:fb:up:1:2", "v1:fb:meh:1", "v1:fb:up:", "v1:of:up:1", "v1:fb:up:1" + "0" * 20):
        assert parse_vote_payload(forged) is VotePayloadError.INVALID, forged
    assert PAYLOAD_PATTERN == r"^v\d+:fb:"


async def test_statistics_count_per_entry_and_draw_a_phone_sized_chart(core: Core) -> None:
    await core.checker.check(ask(CLAIM, "5001", "1"))
    vneid = core.catalogue.get("vneid-link-cai-dat-gia")
    assert vneid is not None and core.storage is not None
    for user in ("5001", "5002", "5003"):
        await core.checker.check(ask(vneid.claim, user, "2"))
    statistics = StatisticsDesk(core.storage, desk_of(core))
    stats = await statistics.gather(7)
    assert (stats.asked, stats.matched, stats.pending_reports) == (4, 3, 1)
    assert [(f.rumor_id, f.asked) for f in stats.top] == [("vneid-link-cai-dat-gia", 3)]
    assert stats.daily["vneid-link-cai-dat-gia"][-1] == 3  # today, in Vietnam
    assert "(75%)" in statistics.reply(stats).plain
    chart = statistics.chart(stats)
    assert chart is not None and len(chart.days) == 7
    assert png_size(render_daily_chart(chart)) == (1080, 1350)
    assert [parse_days(t) for t in ("", "30", "7 ngày", "0", "91", "tuần")] == [7, 30, 7, None, None, None]


def test_matplotlib_is_not_imported_when_the_bot_starts() -> None:
    code = ("import sys, handlers.cli, handlers.runner, handlers.telegram.app, handlers.zalo.run, "
            "bot.desk.statistics;"
            "sys.exit('matplotlib' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60).returncode == 0
