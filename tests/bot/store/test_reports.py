"""The report log."""

from __future__ import annotations

from pathlib import Path

from bot.catalogue import load_catalogue
from bot.checking import ReportKind
from bot.matching.claims import NotAClaim
from bot.matching.matcher import Band, Candidate, MatchResult
from bot.store.feedback import VoteRecord
from bot.store.storage import Storage
from tests.bot.store.conftest import request


async def test_report_row_holds_everything(target: Path | str, catalogue_path: Path) -> None:
    rumor = load_catalogue(catalogue_path).rumors[1]
    storage = await Storage.open(target)
    report_id = await storage.reports.record(request(), MatchResult(Band.MATCH, (Candidate(rumor, 91.5),)))
    [row] = await storage.reports.recent()
    await storage.close()
    assert row.id == report_id
    assert (row.platform, row.chat_id, row.chat_type, row.user_id, row.kind) == (
        "telegram", "5001", "private", "5001", "asked")
    assert (row.origin_kind, row.origin_name, row.origin_id) == ("channel", "Tin Nóng Hội An", "-100987")
    assert row.origin_date == "2024-06-01T08:30:00+00:00"
    assert (row.rumor_id, row.score, row.band) == (rumor.id, 91.5, "match")
    assert row.created_at.tzinfo is not None


async def test_the_same_platform_message_is_logged_once(target: Path | str) -> None:
    storage = await Storage.open(target)
    first = await storage.reports.record(request(), MatchResult(Band.NONE))
    again = await storage.reports.record(request(), MatchResult(Band.NONE))
    other = await storage.reports.record(request("Một tin khác hẳn", message_id="43"), MatchResult(Band.NONE))
    seen = await storage.reports.record(request(kind=ReportKind.SEEN), MatchResult(Band.NONE))
    no_id = [await storage.reports.record(request(f"Tin số {n}", message_id=None), MatchResult(Band.NONE))
             for n in range(2)]
    assert first == again
    assert len({first, other, seen, *no_id}) == 5
    assert await storage.reports.count() == 5
    await storage.close()


async def test_a_none_band_result_stores_no_entry(target: Path | str, catalogue_path: Path) -> None:
    rumor = load_catalogue(catalogue_path).rumors[0]
    storage = await Storage.open(target)
    await storage.reports.record(request(), MatchResult(Band.NONE, (Candidate(rumor, 30.0),)))
    [row] = await storage.reports.recent()
    await storage.close()
    assert row.rumor_id is None and row.band == "none"


async def test_the_log_keeps_why_a_message_is_not_a_claim_and_the_queue_leaves_it_out(
        target: Path | str, catalogue_path: Path) -> None:
    rumor = load_catalogue(catalogue_path).rumors[0]
    storage = await Storage.open(target)
    greeting = await storage.reports.record(request("chào bot", message_id="1"), MatchResult(Band.NONE),
                                            NotAClaim.GREETING)
    bare = await storage.reports.record(request("có thật không?", message_id="2"), MatchResult(Band.NONE),
                                        NotAClaim.BARE_QUESTION)
    claim = await storage.reports.record(request("Mai cắt điện toàn TP", message_id="3"), MatchResult(Band.NONE))
    answered = await storage.reports.record(request(rumor.claim, message_id="4"),
                                            MatchResult(Band.MATCH, (Candidate(rumor, 92.0),)))
    await storage.feedback.record_vote(VoteRecord(answered, "telegram", "5001", "5002", "down", rumor.id))
    logged = {entry.report.id: entry.report.not_a_claim for entry in await storage.reports.log()}
    pending = [r.id for r in await storage.reviews.pending()]
    await storage.close()
    assert logged == {greeting: "greeting", bare: "bare_question", claim: None, answered: None}
    assert pending == [answered, claim]  # the disputed answer comes back as before; the talk does not
