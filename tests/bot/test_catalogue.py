from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.catalogue import (
    CatalogueError,
    Status,
    Verdict,
    load_catalogue,
    merge_catalogues,
    parse_catalogue,
    read_catalogue_text,
    rumor_to_dict,
)

GOOD: dict[str, Any] = {
    "id": "evn-hoan-tien-dien",
    "claim": "EVN hoàn tiền điện do tính sai, bấm vào link để nhận lại tiền trong 24 giờ.",
    "verdict": "scam",
    "summary": "EVN không hoàn tiền qua đường link; đây là trang giả mạo để lấy thông tin thẻ.",
    "sources": [{"publisher": "EVN", "title": "Cảnh báo", "url": "https://evn.example/a", "date": "2024-05-01"}],
}


def entry(**changes: Any) -> dict[str, Any]:
    out = {**GOOD, **changes}
    return {k: v for k, v in out.items() if v is not None}


def problems_of(*entries: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue({"schema": 1, "rumors": list(entries)}, "test.yaml")
    return [str(p) for p in info.value.problems]


def test_fixture_catalogue_loads(catalogue_path: Path) -> None:
    catalogue = load_catalogue(catalogue_path)
    assert len(catalogue.published) == 4
    vneid = catalogue.get("vneid-link-cai-dat-gia")
    assert vneid is not None
    assert vneid.verdict is Verdict.SCAM
    assert vneid.sources[0].date == dt.date(2024, 3, 15)
    assert vneid.texts[0] == vneid.claim and len(vneid.texts) == 2


def test_boolean_verdict_is_accepted_as_text() -> None:
    catalogue = parse_catalogue({"schema": 1, "rumors": [entry(verdict=False)]}, "t")
    assert catalogue.rumors[0].verdict is Verdict.FALSE


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"verdict": "fake"}, "entry 'evn-hoan-tien-dien': verdict: must be one of"),
        ({"sources": []}, "entry 'evn-hoan-tien-dien': sources: needs at least one source"),
        ({"sources": [{"url": "ftp://evn.example"}]}, "entry 'evn-hoan-tien-dien': sources[0].url: must be an http"),
        ({"claim": ""}, "entry 'evn-hoan-tien-dien': claim: is empty"),
        ({"summary": None}, "entry 'evn-hoan-tien-dien': summary: is missing"),
        ({"id": "EVN hoàn tiền"}, "id: must be a slug"),
        ({"publishd": "2024-01-01"}, "entry 'evn-hoan-tien-dien': publishd: unknown key"),
        ({"published": "01/05/2024"}, "entry 'evn-hoan-tien-dien': published: must be an ISO date"),
        ({"status": "hidden"}, "status: must be published or retired"),
        ({"sources": [{"url": "https://a.example", "author": "x"}]}, "sources[0].author: unknown key"),
    ],
)
def test_each_problem_names_the_entry_and_field(changes: dict[str, Any], expected: str) -> None:
    problems = problems_of(entry(**changes))
    assert any(expected in p for p in problems), problems


def test_duplicate_ids_and_all_problems_reported_together() -> None:
    problems = problems_of(entry(), entry(verdict="maybe"), entry(id="khac", claim=""))
    assert any("duplicate id" in p for p in problems)
    assert any("verdict" in p for p in problems)
    assert any("'khac': claim" in p for p in problems)


def test_yaml_error_names_the_line() -> None:
    with pytest.raises(CatalogueError) as info:
        read_catalogue_text("schema: 1\nrumors:\n  - id: a\n    claim: [unclosed\n", "broken.yaml")
    assert "line" in str(info.value) and "broken.yaml" in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot be read"):
        load_catalogue(tmp_path / "none.yaml")


def test_round_trip_through_dict(catalogue_path: Path) -> None:
    catalogue = load_catalogue(catalogue_path)
    again = parse_catalogue({"schema": 1, "rumors": [rumor_to_dict(r) for r in catalogue.rumors]}, "again")
    assert again.rumors == catalogue.rumors


def test_retired_entries_are_kept_but_not_published() -> None:
    catalogue = parse_catalogue({"schema": 1, "rumors": [entry(status="retired")]}, "t")
    assert catalogue.rumors[0].status is Status.RETIRED
    assert catalogue.published == ()


def test_merge_overrides_by_id(catalogue_path: Path) -> None:
    base = load_catalogue(catalogue_path)
    override = parse_catalogue({"schema": 1, "rumors": [entry(id="evn-cat-dien-no-tien", summary="Mới.")]}, "db")
    merged = merge_catalogues(base.rumors, override.rumors)
    assert len(merged.rumors) == len(base.rumors)
    changed = merged.get("evn-cat-dien-no-tien")
    assert changed is not None and changed.summary == "Mới."
