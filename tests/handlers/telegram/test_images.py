"""End to end: screenshots sent to the bot over the fake Bot API (getFile and the file URL), read by OCR."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.config import Config
from tests.conftest import RunningBot
from tests.screenshots import needs_ocr, screenshot
from tests.updates import (
    HUNG,
    HUONG,
    LAN,
    MINH,
    TO_DAN_PHO,
    VNEID_RUMOR,
    VNEID_SOURCE,
    command_update,
    group_command,
    message,
    photo_update,
    text_update,
)

pytestmark = needs_ocr
ORDINARY = "Chiều nay 5 giờ họp tổ dân phố ở nhà văn hóa khối 3, bà con nhớ đi đầy đủ nhé, mang theo sổ hộ khẩu."
# A picture an officer attaches: its words are not the entry's wording, so only its look and its own
# text can tie a re-post of it to the entry.
POSTER = ("KHẨN: Bà con nhớ làm định danh gấp trước cuối tháng, ai chậm là mất hết quyền lợi, "
          "nhắn cho nhau biết với nha!")


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],))


def photo(api: Any, file_id: str, data: bytes, caption: str | None = None, user: dict[str, Any] = LAN,
          ) -> dict[str, Any]:
    api.files[file_id] = data
    update = photo_update(caption, user)
    update["message"]["photo"] = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 900},
        {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 900, "height": 600, "file_size": len(data)},
    ]
    return update


async def test_a_forwarded_screenshot_gets_the_verdict_with_the_source(running_bot: RunningBot) -> None:
    update = photo(running_bot.api, "shot-1", screenshot(VNEID_RUMOR))
    update["message"]["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Hương", "date": 1700000000}
    [answer] = await running_bot.send(update)
    assert "đọc chữ trong ảnh" in answer["text"]
    assert "Công an phường thông báo" in answer["text"].split("»")[0]  # the start of what was read, quoted back
    assert "LỪA ĐẢO" in answer["text"]
    assert f'href="{VNEID_SOURCE}"' in answer["text"]
    [report] = running_bot.reports()
    assert (report["band"], report["rumor_id"]) == ("match", "vneid-link-cai-dat-gia")
    assert "định danh" in report["text"]  # the text read is what was logged
    assert [c.params["file_id"] for c in running_bot.api.calls if c.method == "getFile"] == ["shot-1"]


async def test_a_photo_with_a_caption_uses_both(running_bot: RunningBot) -> None:
    half = len(VNEID_RUMOR) // 2
    update = photo(running_bot.api, "shot-2", screenshot(VNEID_RUMOR[half:]), caption=VNEID_RUMOR[:half])
    [answer] = await running_bot.send(update)
    assert "LỪA ĐẢO" in answer["text"]
    [report] = running_bot.reports()
    assert report["text"].startswith(VNEID_RUMOR[:half])  # the caption, then what was read
    assert "khóa tài khoản" in report["text"]


async def test_an_unknown_screenshot_is_not_in_the_catalogue(running_bot: RunningBot) -> None:
    [answer] = await running_bot.send(photo(running_bot.api, "shot-3", screenshot(ORDINARY, dark=True)))
    assert "chưa có trong danh mục" in answer["text"]
    assert "đọc chữ trong ảnh" in answer["text"]
    assert "href" not in answer["text"]


async def test_a_failed_download_and_a_file_that_is_no_image_get_clear_answers(running_bot: RunningBot) -> None:
    api = running_bot.api
    broken = photo(api, "shot-4", screenshot(VNEID_RUMOR))
    api.broken_files.add("shot-4")
    [failed] = await running_bot.send(broken)
    assert "không tải được ảnh" in failed["text"]
    api.files["doc-1"] = b"%PDF-1.4 this is not an image at all"
    document = {"message": message(LAN, document={"file_id": "doc-1", "file_unique_id": "d", "file_name": "anh.jpg",
                                                   "mime_type": "image/jpeg", "file_size": 36})}
    [refused] = await running_bot.send(document)
    assert "không phải là ảnh" in refused["text"]
    [after] = await running_bot.send(text_update(VNEID_RUMOR))  # and the bot goes on
    assert "LỪA ĐẢO" in after["text"]


async def test_an_officer_attaches_an_image_and_a_repost_of_it_matches(running_bot: RunningBot) -> None:
    api = running_bot.api
    original = screenshot(POSTER, name="Tổ dân phố 5")
    [before] = await running_bot.send(photo(api, "poster", original))
    assert "LỪA ĐẢO" not in before["text"]  # its words alone do not name the entry
    target = photo(api, "poster", original, user=HUNG)
    await running_bot.send(target)
    attach = command_update("/sua vneid-link-cai-dat-gia anh", user=HUNG)
    attach["message"]["reply_to_message"] = target["message"]
    [attached] = await running_bot.send(attach)
    assert "Đã gắn ảnh" in attached["text"]
    [stored] = running_bot.rows("SELECT rumor_id, added_by FROM entry_images")
    assert tuple(stored) == ("vneid-link-cai-dat-gia", str(HUNG["id"]))
    repost = screenshot(POSTER, name="Tổ dân phố 5", fmt="JPEG", scale=0.7, border=12)
    [answer] = await running_bot.send(photo(api, "repost", repost, user={**LAN, "id": 5009}))
    assert "LỪA ĐẢO" in answer["text"]
    assert "vneid-link-cai-dat-gia" in answer["text"]


def group_photo(api: Any, file_id: str, data: bytes, user: dict[str, Any] = LAN) -> dict[str, Any]:
    update = photo(api, file_id, data, user=user)
    update["message"] = message(user, TO_DAN_PHO, photo=update["message"]["photo"])
    return update


async def test_kiemtra_under_a_photo_in_a_group_reads_it(running_bot: RunningBot) -> None:
    shot = group_photo(running_bot.api, "group-shot", screenshot(VNEID_RUMOR), user=MINH)["message"]
    [answer] = await running_bot.send(group_command("/kiemtra", LAN, reply_to_message=shot))
    assert answer["reply_parameters"]["message_id"] == shot["message_id"]
    assert "đọc chữ trong ảnh" in answer["text"] and "LỪA ĐẢO" in answer["text"]
    [report] = running_bot.reports()
    assert (report["kind"], report["user_id"]) == ("asked", str(LAN["id"]))
    assert report["rumor_id"] == "vneid-link-cai-dat-gia"


async def test_watch_mode_warns_under_a_known_screenshot_and_says_nothing_under_others(running_bot: RunningBot,
                                                                                      ) -> None:
    running_bot.api.chat_members[(TO_DAN_PHO["id"], HUONG["id"])] = "administrator"
    await running_bot.send(group_command("/caidat warn", HUONG))
    assert await running_bot.send_all([group_photo(running_bot.api, "ordinary", screenshot(ORDINARY), MINH)]) == []
    [warning] = await running_bot.send(group_photo(running_bot.api, "rumor", screenshot(VNEID_RUMOR), MINH))
    assert "LỪA ĐẢO" in warning["text"] and f'href="{VNEID_SOURCE}"' in warning["text"]
    seen = [r["band"] for r in running_bot.reports() if r["kind"] == "seen"]
    assert "match" in seen


async def test_them_under_a_photo_takes_its_text_as_the_claim_and_attaches_it(running_bot: RunningBot) -> None:
    api = running_bot.api
    flyer = ("Tin nóng: từ tháng sau mỗi hộ gia đình phải nộp 2 triệu đồng phí vệ sinh môi trường, "
             "hộ nào không nộp sẽ bị cắt nước sinh hoạt ngay.")
    target = photo(api, "flyer", screenshot(flyer, name="Khu phố 3"), user=HUNG)
    await running_bot.send(target)
    form = command_update("/them\nid: phi-ve-sinh-2-trieu\nverdict: sai\n"
                          "summary: Không có quy định thu 2 triệu đồng phí vệ sinh mỗi hộ; phường không cắt nước.\n"
                          "source: https://phuong.example/khong-thu-phi-ve-sinh", user=HUNG)
    form["message"]["reply_to_message"] = target["message"]
    sent = await running_bot.send(form, expect=2)
    assert any("Đã gắn ảnh" in m["text"] for m in sent)
    [entry] = running_bot.rows("SELECT data FROM entries WHERE id = 'phi-ve-sinh-2-trieu'")
    assert "phí vệ sinh" in json.loads(entry["data"])["claim"]  # the claim is the text read in the photo
    [stored] = running_bot.rows("SELECT rumor_id FROM entry_images")
    assert stored["rumor_id"] == "phi-ve-sinh-2-trieu"
