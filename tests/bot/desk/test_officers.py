"""The officers' desk over a real SQLite file and the real matcher, no platform."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from bot.checking import ChatType, CheckRequest, ReportKind
from bot.core import Core
from bot.desk.officers import OfficerDesk
from bot.desk.rights import Actor
from bot.matching.matcher import Band
from tests.bot.conftest import MEMBER, OFFICER, OWNER

CLAIM = ("Thông báo khẩn: toàn bộ khu phố cổ Hội An sẽ bị cắt nước sạch 3 ngày liên tiếp từ thứ Hai tuần sau, "
         "bà con tích trữ nước ngay.")
FORM = f"""claim: {CLAIM}
verdict: sai
summary: Công ty cấp nước không có kế hoạch ngừng cấp nước khu phố cổ.
source: https://capnuocquangnam.example/thong-bao"""


def desk_of(core: Core) -> OfficerDesk:
    assert core.officers is not None
    return core.officers


def actor(user: str = OFFICER) -> Actor:
    return Actor("telegram", user, user)


def rows(core: Core, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(core.config.database) as db:
        db.row_factory = sqlite3.Row
        return db.execute(sql).fetchall()


def ask(text: str, user: str = MEMBER, message_id: str = "1") -> CheckRequest:
    return CheckRequest("telegram", user, ChatType.PRIVATE, text, user_id=user, message_id=message_id)


async def test_every_problem_is_named_and_nothing_is_half_saved(core: Core) -> None:
    desk = desk_of(core)
    form = "claim: Cắt nước phố cổ 3 ngày\nverdict: có lẽ\nsource: capnuoc.example\nid: Cat Nuoc"
    reply = await desk.add_from_form(actor(), "/them", form)
    text = reply.plain
    for field in ("verdict:", "source:", "summary:", "id:"):
        assert field in text, field
    assert "Chưa có gì được lưu" in text
    assert rows(core, "SELECT * FROM entries") == [] and rows(core, "SELECT * FROM audit") == []


async def test_an_entry_matches_at_once_and_survives_a_restart(core: Core) -> None:
    desk = desk_of(core)
    reply = await desk.add_from_form(actor(), "/them", FORM)
    assert "thong-bao-khan-toan-bo-khu-pho-co-hoi" in reply.plain  # the generated id is shown
    assert core.matcher.match(CLAIM).band is Band.MATCH
    reopened = await Core.open(core.config)
    try:
        assert reopened.matcher.match(CLAIM).band is Band.MATCH
        assert reopened.catalogue.get("thong-bao-khan-toan-bo-khu-pho-co-hoi") is not None
    finally:
        await reopened.close()


async def test_the_database_wins_over_the_shipped_entry(core: Core) -> None:
    desk = desk_of(core)
    shipped = core.catalogue.get("muoi-iot-chong-phong-xa")
    assert shipped is not None
    await desk.edit(actor(), "/sua", "muoi-iot-chong-phong-xa tóm tắt Muối i-ốt không chống được phóng xạ.")
    edited = core.catalogue.get("muoi-iot-chong-phong-xa")
    assert edited is not None and edited.summary == "Muối i-ốt không chống được phóng xạ."
    assert edited.claim == shipped.claim and len(core.catalogue.rumors) == 4
    assert core.matcher.match(shipped.claim).best.rumor.summary == edited.summary  # type: ignore[union-attr]
    [audit] = rows(core, "SELECT * FROM audit")
    assert audit["action"] == "edit" and shipped.summary[:30] in audit["before"] and "Muối i-ốt không" in audit["after"]


async def test_retire_and_restore(core: Core) -> None:
    desk = desk_of(core)
    rumor = core.catalogue.get("evn-cat-dien-no-tien")
    assert rumor is not None
    assert "Đã gỡ" in (await desk.set_status(actor(), "/xoa", rumor.id, retire=True)).plain
    assert core.matcher.match(rumor.claim).band is not Band.MATCH
    assert "đã được gỡ từ trước" in (await desk.set_status(actor(), "/xoa", rumor.id, retire=True)).plain
    await desk.set_status(actor(), "/khoiphuc", rumor.id, retire=False)
    assert core.matcher.match(rumor.claim).band is Band.MATCH
    assert [r["action"] for r in rows(core, "SELECT action FROM audit")] == ["retire", "restore"]


async def test_roles_refusals_are_audited_and_change_nothing(core: Core) -> None:
    desk = desk_of(core)
    reply = await desk.add_from_form(actor(MEMBER), "/them", FORM)
    assert "chỉ dành cho cán bộ" in reply.plain
    assert core.matcher.match(CLAIM).band is not Band.MATCH
    assert "Chỉ người quản lý" in (await desk.set_right(actor(OFFICER), "/capquyen", MEMBER, granted=True)).plain
    await desk.set_right(actor(OWNER), "/capquyen", MEMBER, granted=True)
    assert "Đã thêm tin" in (await desk.add_from_form(actor(MEMBER), "/them", FORM)).plain
    assert "quản lý bot" in (await desk.set_right(actor(OWNER), "/thuhoi", OWNER, granted=False)).plain
    audit = rows(core, "SELECT action, user_id, target FROM audit ORDER BY id")
    assert [tuple(r) for r in audit] == [("refused", MEMBER, "/them"), ("refused", OFFICER, "/capquyen"),
                                         ("grant", OWNER, MEMBER), ("create", MEMBER, None)]


async def test_one_notification_per_group_per_hour(core: Core) -> None:
    desk = desk_of(core)
    unknown = "Nghe nói từ tháng sau đi xe máy không mang giấy đăng ký xe bản gốc là bị phạt 5 triệu đồng?"
    first = await core.checker.check(ask(unknown, message_id="1"))
    card = await desk.notification_for(ask(unknown, message_id="1"), first)
    assert card is not None and "Báo cáo mới" in card.plain and unknown in card.plain
    second = await core.checker.check(ask(unknown + " 😱", MEMBER, message_id="2"))
    assert await desk.notification_for(ask(unknown, message_id="2"), second) is None
    seen = await core.checker.check(replace(ask("Chiều nay họp tổ dân phố", message_id="3"), kind=ReportKind.SEEN))
    assert await desk.notification_for(replace(ask("x", message_id="3"), kind=ReportKind.SEEN), seen) is None
    [notified] = rows(core, "SELECT * FROM officer_notifications")
    assert notified["report_id"] == first.report_id


async def test_link_adds_the_wording_and_is_audited(core: Core) -> None:
    desk = desk_of(core)
    question = ("Bên điện gọi em bảo đồng hồ nhà em bị lỗi, phải đóng phí kiểm định 500 nghìn qua Momo, "
                "có đúng không mọi người?")
    answer = await core.checker.check(ask(question))
    assert answer.report_id is not None and answer.band is Band.NONE
    press = await desk.link(actor(), answer.report_id, "evn-cat-dien-no-tien")
    assert "Đã gắn 1 báo cáo" in press.toast
    assert core.matcher.match(question).band is Band.MATCH
    [audit] = rows(core, "SELECT * FROM audit")
    assert (audit["action"], audit["entry_id"], audit["report_id"]) == ("link", "evn-cat-dien-no-tien",
                                                                        answer.report_id)
    assert question in audit["after"] and question not in audit["before"]
    assert "đã được người dùng 7001 xử lý" in (await desk.link(actor(), answer.report_id, "evn-cat-dien-no-tien")).toast
