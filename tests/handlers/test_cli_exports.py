"""`kiemchung export`, `import` and `reports` as a person runs them: real processes, real files."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import yaml

from bot.catalogue import load_catalogue, read_catalogue_text
from bot.checking import ChatType, CheckRequest
from bot.config import load_config
from bot.core import Core
from bot.desk.rights import Actor
from tests.handlers.test_cli import VNEID_RUMOR, kiemchung, write_config

WATER_FORM = """id: cat-nuoc-pho-co
claim: Thông báo khẩn: toàn bộ khu phố cổ Hội An sẽ bị cắt nước sạch 3 ngày liên tiếp từ thứ Hai tuần sau.
verdict: sai
summary: Công ty Cổ phần Cấp nước Quảng Nam không có kế hoạch ngừng cấp nước khu phố cổ.
source: https://capnuocquangnam.example/thong-bao
publisher: Công ty Cổ phần Cấp nước Quảng Nam
phones: 0905 111 222"""
OFFICER = Actor("telegram", "7001", "7001")


async def officers_work(config_path: Path) -> None:
    """An officer's day: a new entry, an edited shipped one, a retired one; two questions and a greeting."""
    core = await Core.open(load_config(config_path))
    try:
        desk = core.officers
        assert desk is not None
        await desk.add_from_form(OFFICER, "/them", WATER_FORM)
        await desk.edit(OFFICER, "/sua", "evn-cat-dien-no-tien sdt 0912 345 678")
        await desk.set_status(OFFICER, "/xoa", "muoi-iot-chong-phong-xa", retire=True)
        for user, text in (("5001", VNEID_RUMOR), ("5002", "Nghe nói mai cắt điện cả thành phố Hội An?"),
                           ("5003", "chào bot")):
            await core.checker.check(CheckRequest("telegram", user, ChatType.PRIVATE, text, user_id=user,
                                                  message_id="1"))
    finally:
        await core.close()


def entries(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT id FROM entries ORDER BY id")]


async def test_export_yaml_then_import_loses_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    config = write_config(source, owners=[7000], officers=[7001])
    await officers_work(config)
    exported = tmp_path / "catalogue.yaml"
    done = kiemchung("export", "--config", str(config), "--format", "yaml", "--output", str(exported))
    assert done.returncode == 0, done.stderr
    first = load_catalogue(exported)  # the shipped loader reads it back
    assert len(first.rumors) == 5 and first.get("muoi-iot-chong-phong-xa").status.value == "retired"
    assert first.get("evn-cat-dien-no-tien").phones == ("0912 345 678",)
    assert "verdict: 'false'" in exported.read_text(encoding="utf-8")  # quoted, as in the shipped file

    target = tmp_path / "target"
    target.mkdir()
    fresh = write_config(target)
    done = kiemchung("import", "--config", str(fresh), str(exported))
    assert done.returncode == 0, done.stderr
    assert "imported 1 new, 2 changed; 2 unchanged" in done.stdout
    assert entries(target / "kc.db") == ["cat-nuoc-pho-co", "evn-cat-dien-no-tien", "muoi-iot-chong-phong-xa"]
    with sqlite3.connect(target / "kc.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit")]
    assert actions == ["import"] * 3
    done = kiemchung("export", "--config", str(fresh))
    assert read_catalogue_text(done.stdout, "second export") == first  # every entry, every field
    assert yaml.safe_load(done.stdout) == yaml.safe_load(exported.read_text(encoding="utf-8"))
    again = kiemchung("import", "--config", str(fresh), str(exported))
    assert "imported 0 new, 0 changed; 5 unchanged" in again.stdout


def test_import_names_every_problem_and_saves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema: 1\nrumors:\n"
        "  - id: tin-moi-hop-le\n    claim: Tin mới hợp lệ về lừa đảo\n    verdict: scam\n"
        "    summary: Đây là lừa đảo.\n    sources: [{url: https://congan.example/a}]\n"
        "  - id: Tin Sai Mã\n    claim: Một tin\n    verdict: bịa\n    summary: ''\n    sources: []\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path)
    done = kiemchung("import", "--config", str(config), str(bad))
    assert done.returncode == 2
    for field in ("id", "verdict", "summary", "sources"):
        assert f"entry 'Tin Sai Mã': {field}" in done.stderr
    assert not (tmp_path / "kc.db").exists() or entries(tmp_path / "kc.db") == []


async def test_claimreview_and_csv_exports(tmp_path: Path) -> None:
    config = write_config(tmp_path, owners=[7000], officers=[7001])
    await officers_work(config)
    done = kiemchung("export", "--config", str(config), "--format", "claimreview")
    assert done.returncode == 0, done.stderr
    reviews = json.loads(done.stdout)
    assert len(reviews) == 4  # published entries only: the retired one is withdrawn
    for review in reviews:
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["claimReviewed"] and review["url"].startswith("https://")
        assert review["author"]["@type"] == "Organization" and review["author"]["name"]
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating" and (rating["bestRating"], rating["worstRating"]) == (5, 1)
        assert rating["alternateName"] and rating["ratingExplanation"]
        assert review["itemReviewed"]["@type"] == "Claim"
        assert len(review["datePublished"]) == 10
    by_id = {r["identifier"]: r for r in reviews}
    scam = by_id["vneid-link-cai-dat-gia"]
    assert scam["reviewRating"]["ratingValue"] == 1 and scam["reviewRating"]["alternateName"] == "Lừa đảo"
    assert scam["itemReviewed"]["appearance"] == [{"@type": "CreativeWork", "name": "vneid-capnhat.com"}]
    assert by_id["tam-ngung-cap-dien-chu-nhat"]["reviewRating"]["ratingValue"] == 5
    assert by_id["cat-nuoc-pho-co"]["author"]["name"] == "Công ty Cổ phần Cấp nước Quảng Nam"

    out = tmp_path / "catalogue.csv"
    kiemchung("export", "--config", str(config), "--format", "csv", "-o", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Vietnamese right
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows][-1] == "cat-nuoc-pho-co" and rows[-1]["phones"] == "0905 111 222"
    assert {r["id"]: r["status"] for r in rows}["muoi-iot-chong-phong-xa"] == "retired"

    done = kiemchung("reports", "--config", str(config), "--since", "2020-01-01", "--format", "csv")
    assert done.returncode == 0, done.stderr
    log = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["band"], r["rumor_id"], r["not_a_claim"]) for r in log] == [
        ("match", "vneid-link-cai-dat-gia", ""), ("none", "", ""), ("none", "", "greeting")]
    assert "user_id" not in log[0]  # people stay in the database
    done = kiemchung("reports", "--config", str(config), "--since", "2099-01-01")
    assert list(csv.DictReader(io.StringIO(done.stdout))) == []
    assert kiemchung("reports", "--config", str(config), "--since", "hôm qua").returncode == 2
