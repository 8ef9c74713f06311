"""The register model: the shipped weights, how they are read, and what the lexical matcher does with them."""

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

from bot.catalogue import Catalogue, Verdict, load_catalogue
from bot.config import DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD
from bot.matching.lexical import (
    NOTICE_CLOSE_COPY,
    NOTICE_FACTOR,
    NOTICE_FACTOR_TRUE,
    NOTICE_LEVEL,
    LexicalMatcher,
)
from bot.matching.matcher import Band, Thresholds
from bot.matching.register import RegisterModel, shipped_model, terms
from tests.conftest import FIXTURES, REPO

THRESHOLDS = Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
CLAIM = ("Công an yêu cầu người dân cài ứng dụng VNeID qua đường link để kích hoạt định danh mức 2, quá hạn "
         "3 ngày tài khoản định danh sẽ bị khóa.")


def trainer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("register_train", REPO / "bench" / "register_train.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["register_train"] = module
    spec.loader.exec_module(module)
    return module


def toy_model(notice_words: dict[str, float], intercept: float = -2.0) -> RegisterModel:
    """A model whose notices are exactly the messages holding these words (weights per folded word)."""
    return RegisterModel(idf=dict.fromkeys(notice_words, 1.0), weights=notice_words, intercept=intercept)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "matcher_catalogue.yaml")


def test_terms_are_folded_words_and_pairs_with_numbers_by_their_length() -> None:
    assert terms("Từ ngày 14/7/2021, Huế") == ["tu", "ngay", "#2", "#1", "#4", "hue",
                                                "tu ngay", "ngay #2", "#2 #1", "#1 #4", "#4 hue"]


def test_probability_follows_the_weights() -> None:
    model = toy_model({"khuyen": 6.0, "cao": 6.0})
    assert model.notice_probability("Ngân hàng khuyến cáo khách hàng") > 0.9
    assert model.notice_probability("Chuyển tiền ngay kẻo mất") < 0.2
    assert model.notice_probability("") == pytest.approx(1 / (1 + 2.718281828 ** 2), rel=1e-6)


def test_a_model_survives_its_own_file(tmp_path: Path) -> None:
    model = shipped_model()
    path = tmp_path / "register.json"
    path.write_text(model.to_json(), encoding="utf-8")
    again = RegisterModel.read(path)
    assert again.trained_on == model.trained_on
    for text in (CLAIM, "Cục Viễn thông cho biết nhà mạng không gọi điện yêu cầu bấm phím"):
        assert again.notice_probability(text) == pytest.approx(model.notice_probability(text), abs=1e-4)


def test_an_unknown_model_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown version 2"):
        RegisterModel.from_json('{"version": 2, "intercept": 0, "terms": {}}')


def test_the_shipped_model_is_what_the_training_script_makes_of_its_files() -> None:
    """After a case file or the catalogue changes, bench/register_train.py must be run again: this
    fails while the shipped weights are stale."""
    train = trainer()
    texts = train.training_texts()
    fresh = train.train(texts, train.TRAINED_ON)
    shipped = shipped_model()
    assert shipped.trained_on == tuple(train.TRAINED_ON)
    assert set(fresh.idf) == set(shipped.idf)
    for text, _ in texts[::7]:
        assert fresh.notice_probability(text) == pytest.approx(shipped.notice_probability(text), abs=1e-3)


def test_the_shipped_model_tells_a_warning_from_the_scam_it_quotes() -> None:
    """Texts written for this test, in none of the files the model learnt from."""
    model = shipped_model()
    scam = ("CONG AN TP: tai khoan dinh danh cua ban chua duoc xac thuc muc 2, bam link ben duoi de cai "
            "lai VNeID truoc 17h hom nay, qua han se bi khoa vinh vien")
    warning = ("Công an tỉnh Bình Định khuyến cáo người dân: lực lượng công an không gọi điện, không gửi "
               "đường link hướng dẫn cài ứng dụng VNeID; việc kích hoạt định danh mức 2 chỉ thực hiện "
               "trực tiếp tại trụ sở công an xã, phường.")
    assert model.notice_probability(scam) < 0.3
    assert model.notice_probability(warning) > 0.7


def test_a_message_read_as_a_notice_loses_its_match(catalogue: Catalogue) -> None:
    plain = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({}))
    read_as_notice = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({"cong": 9.0}))
    retold = "Người dân phải cài VNeID qua đường link để kích hoạt định danh, hết hạn thì công an khóa."
    before, after = plain.match(retold), read_as_notice.match(retold)
    assert before.band is Band.MATCH and before.score < NOTICE_CLOSE_COPY
    assert after.score == pytest.approx(before.score * NOTICE_FACTOR, abs=0.1)
    assert after.band is Band.NONE  # 34.5: below possible; officers still see the candidate and why
    evidence = {e.name: e for e in after.candidates[0].evidence}
    assert evidence["reads as a notice"].value >= 100 * NOTICE_LEVEL


def test_a_close_copy_keeps_its_match_whatever_its_voice(catalogue: Catalogue) -> None:
    """A fake official document is written as a notice and is the rumor: repeating the entry closely
    (the claim itself here) keeps the score."""
    plain = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({}))
    read_as_notice = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({"cong": 9.0}))
    assert plain.match(CLAIM).score >= NOTICE_CLOSE_COPY
    assert read_as_notice.match(CLAIM).score == plain.match(CLAIM).score
    assert read_as_notice.match(CLAIM).band is Band.MATCH


def test_a_short_message_is_not_read_for_its_register(catalogue: Catalogue) -> None:
    read_as_notice = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({"vneid": 9.0}))
    plain = LexicalMatcher(catalogue.rumors, THRESHOLDS, toy_model({}))
    short = "cài VNeID qua link thật hả?"
    assert read_as_notice.match(short).score == plain.match(short).score > 0


def test_a_genuine_notice_keeps_its_match_and_loses_less_below_it(catalogue: Catalogue) -> None:
    genuine = [dataclasses.replace(r, verdict=Verdict.TRUE) for r in catalogue.rumors]
    plain = LexicalMatcher(genuine, THRESHOLDS, toy_model({}))
    read_as_notice = LexicalMatcher(genuine, THRESHOLDS, toy_model({"cong": 9.0}))
    assert read_as_notice.match(CLAIM).score == plain.match(CLAIM).score  # the notice forwarded
    reworded = "Công an phường thông báo kích hoạt định danh mức 2 tại trụ sở, mang theo căn cước."
    before = plain.match(reworded)
    assert DEFAULT_POSSIBLE_THRESHOLD <= before.score < DEFAULT_MATCH_THRESHOLD
    assert read_as_notice.match(reworded).score == pytest.approx(before.score * NOTICE_FACTOR_TRUE, abs=0.1)
