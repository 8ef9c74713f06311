"""Exports and imports of the catalogue, without a database: formats and the import plan."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.catalogue import Status, load_catalogue, merge_catalogues, read_catalogue_text
from bot.config import SHIPPED_CATALOGUE
from bot.desk.exports import ExportFormat, claim_review, export_catalogue, plan_import
from tests.conftest import CATALOGUE


def test_the_shipped_catalogue_round_trips_through_the_yaml_export() -> None:
    shipped = load_catalogue(SHIPPED_CATALOGUE)  # 94 real entries: long folded texts, quotes, accents
    text = export_catalogue(shipped, ExportFormat.YAML)
    assert read_catalogue_text(text, "export") == shipped
    assert text.count("verdict: 'false'") == sum(r.verdict.value == "false" for r in shipped.rumors)


def test_a_retired_entry_keeps_its_status_in_yaml_and_is_left_out_of_claimreview() -> None:
    catalogue = load_catalogue(CATALOGUE)
    retired = replace(catalogue.rumors[0], status=Status.RETIRED)
    merged = merge_catalogues(catalogue.rumors, [retired])
    assert read_catalogue_text(export_catalogue(merged, ExportFormat.YAML), "x").rumors[0].status is Status.RETIRED
    reviews = json.loads(export_catalogue(merged, ExportFormat.CLAIMREVIEW))
    assert retired.id not in [r["identifier"] for r in reviews] and len(reviews) == 3


def test_claimreview_maps_verdicts_to_ratings_as_the_format_says() -> None:
    ratings = {r.id: claim_review(r)["reviewRating"] for r in load_catalogue(CATALOGUE).rumors}
    assert {k: (v["ratingValue"], v["alternateName"]) for k, v in ratings.items()} == {
        "vneid-link-cai-dat-gia": (1, "Lừa đảo"),
        "evn-cat-dien-no-tien": (1, "Lừa đảo"),
        "muoi-iot-chong-phong-xa": (1, "Sai sự thật"),
        "tam-ngung-cap-dien-chu-nhat": (5, "Đúng sự thật"),
    }


def test_import_plan_tells_new_changed_and_unchanged() -> None:
    current = load_catalogue(CATALOGUE)
    edited = replace(current.rumors[1], phones=("0912 345 678",))
    new = replace(current.rumors[0], id="vneid-link-moi")
    plan = plan_import(current, merge_catalogues([current.rumors[0], edited], [new]))
    assert ([r.id for r in plan.new], [r.id for r in plan.changed], [r.id for r in plan.unchanged]) == (
        ["vneid-link-moi"], ["evn-cat-dien-no-tien"], ["vneid-link-cai-dat-gia"])
