"""The web desk's pages and actions over HTTP: each goes through the chat desk's use case, so what it
saves, links, audits and tells the matcher is what the chat command would."""

from __future__ import annotations

import io
import json
import re

from PIL import Image, ImageDraw

from bot.matching.matcher import Band
from tests.handlers.web.conftest import THU, WebDesk
from tests.updates import LAN, MINH

GAO = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"
GAO_CLAIM = "Tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký."
SOURCE = "https://minhan.example/thong-bao-khong-phat-gao"
ENTRY = "vneid-link-cai-dat-gia"


def new_entry_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {"csrf": csrf, "id": "gao-mien-phi-minh-an", "claim": GAO_CLAIM, "verdict": "false",
            "summary": "UBND phường Minh An không có chương trình phát gạo nào; hãy xem thông báo chính thức.",
            "source": SOURCE, "publisher": "UBND phường Minh An", "urls": "", "phones": "", "region": "", "tags": ""}
    return form | changes


async def test_a_new_entry_from_a_report_links_its_group_and_matches_at_once(desk: WebDesk) -> None:
    await desk.report(GAO, LAN)
    await desk.report(GAO + " 😱", MINH)
    await desk.login()
    form = await (await desk.client.get("/reports/2/new")).text()
    assert GAO in form and 'name="report" value="2"' in form and 'data-action="create"' in form
    saved = await desk.client.post("/entries/new", data=new_entry_form(await desk.csrf(), report="2"))
    assert saved.status == 200 and saved.url.path == "/entries/gao-mien-phi-minh-an"
    assert "Đã thêm tin gao-mien-phi-minh-an" in await saved.text()
    assert {row["status"] for row in desk.rows("SELECT status FROM report_reviews")} == {"linked"}
    assert len(desk.rows("SELECT * FROM report_reviews")) == 2  # the whole group, like ➕ in the chat
    [created] = desk.audit("create")
    assert (created["entry_id"], created["report_id"], created["chat_id"]) == ("gao-mien-phi-minh-an", 2, "web")
    again = await desk.report("Tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, bà con ra nhận nha", THU)
    assert again.band is Band.MATCH and again.result.rumor is not None
    assert again.result.rumor.id == "gao-mien-phi-minh-an"


async def test_an_invalid_source_is_shown_at_its_field_and_nothing_is_saved(desk: WebDesk) -> None:
    await desk.login()
    form = await (await desk.client.get(f"/entries/{ENTRY}/edit")).text()
    assert 'data-action="edit"' in form and "congan.example/canh-bao-vneid-link-gia" in form
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+" value="([^"]*)"', form))
    data = {"csrf": await desk.csrf(), **values, "source": "congan-hoian-khong-phai-link", "claim": "",
            "summary": "Tóm tắt mới", "verdict": "scam"}
    answer = await desk.client.post(f"/entries/{ENTRY}/edit", data=data)
    assert answer.status == 422
    page = await answer.text()
    source_error = re.search(r'data-field-error="source">([^<]+)<', page)
    claim_error = re.search(r'data-field-error="claim">([^<]+)<', page)
    assert source_error is not None and "http" in source_error.group(1)
    assert claim_error is not None and "còn thiếu" in claim_error.group(1)
    assert 'value="congan-hoian-khong-phai-link"' in page and "Tóm tắt mới" in page  # what was typed is kept
    assert "Chưa có gì được lưu" in page
    assert desk.rows("SELECT * FROM entries") == [] and desk.audit("edit") == []


async def test_an_edit_is_saved_audited_and_matched(desk: WebDesk) -> None:
    await desk.login()
    form = await (await desk.client.get(f"/entries/{ENTRY}/edit")).text()
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+" value="([^"]*)"', form))
    areas = {name: text for name, text in re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', form)}
    variant = ("Tin nhắn mạo danh công an: cập nhật VNeID mức 2 ngay tại vneid-xacthuc.net kẻo bị khóa, "
               "sáng nay em vừa nhận")
    data = {"csrf": await desk.csrf(), **values, **areas, "verdict": "scam",
            "variants": areas["variants"] + "\n" + variant, "urls": "vneid-capnhat.com\nvneid-xacthuc.net"}
    answer = await desk.client.post(f"/entries/{ENTRY}/edit", data=data)
    assert answer.status == 200 and "Đã sửa tin" in await answer.text()
    [edit] = desk.audit("edit")
    before, after = json.loads(edit["before"]), json.loads(edit["after"])
    assert after["urls"] == ["vneid-capnhat.com", "vneid-xacthuc.net"] and len(after["variants"]) == 2
    assert {k for k in after if before.get(k) != after.get(k)} == {"urls", "variants"}
    answer_to = await desk.report(variant, MINH)
    assert answer_to.band is Band.MATCH
    history = await (await desk.client.get(f"/entries/{ENTRY}")).text()
    assert "urls, variants" in history and "sửa" in history


async def test_retire_and_restore(desk: WebDesk) -> None:
    await desk.login()
    answer = await desk.client.post(f"/entries/{ENTRY}/retire", data={"csrf": await desk.csrf()})
    assert "Đã gỡ tin" in await answer.text() and 'data-action="restore"' in await answer.text()
    assert desk.core.catalogue.get(ENTRY) is not None and not desk.core.catalogue.by_id[ENTRY].is_published
    answer = await desk.client.post(f"/entries/{ENTRY}/restore", data={"csrf": await desk.csrf()})
    assert "Đã khôi phục tin" in await answer.text()
    assert [row["action"] for row in desk.audit()][1:] == ["retire", "restore"]


async def test_linking_uses_the_chat_desks_link(desk: WebDesk) -> None:
    await desk.report(GAO, LAN)
    await desk.login()
    found = await (await desk.client.get("/reports/1?q=vneid")).text()
    assert f'data-entry-id="{ENTRY}"' in found
    answer = await desk.client.post("/reports/1/link", data={"csrf": await desk.csrf(), "entry": ENTRY})
    assert "Đã gắn 1 báo cáo vào tin" in await answer.text()
    [link] = desk.audit("link")
    assert GAO in json.loads(link["after"])["variants"]  # the wording is kept, as /gan keeps it
    again = await desk.client.post("/reports/1/link", data={"csrf": await desk.csrf(), "entry": ENTRY})
    assert "đã được người dùng 7001 xử lý" in await again.text()
    unknown = await desk.report("Phường Cẩm Phô sắp thu phí rác 500 nghìn mỗi hộ mỗi tháng từ tháng sau", MINH)
    wrong = await desk.client.post(f"/reports/{unknown.report_id}/link",
                                   data={"csrf": await desk.csrf(), "entry": "khong-co-tin-nay"})
    assert "Không có tin nào mã khong-co-tin-nay" in await wrong.text()


async def test_the_catalogue_is_found_with_or_without_accents(desk: WebDesk) -> None:
    await desk.login()
    for words in ("định danh", "dinh danh", "VNEID"):
        page = await (await desk.client.get("/entries", params={"q": words})).text()
        assert f'data-entry-id="{ENTRY}"' in page, words
    everything = await (await desk.client.get("/entries")).text()
    assert everything.count("data-entry-id=") == len(desk.core.catalogue.rumors)


async def test_an_image_is_attached_to_an_entry(desk: WebDesk) -> None:
    await desk.login()
    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 120), fill="navy")
    data = io.BytesIO()
    image.save(data, "PNG")
    upload = {"csrf": await desk.csrf(), "image": io.BytesIO(data.getvalue())}
    answer = await desk.client.post(f"/entries/{ENTRY}/images", data=upload)
    assert "Đã gắn ảnh vào tin" in await answer.text() and "Ảnh đã gắn: 1" in await answer.text()
    assert len(desk.rows("SELECT * FROM entry_images")) == 1
    [attached] = desk.audit("attach_image")
    assert (attached["entry_id"], attached["chat_id"]) == (ENTRY, "web")
    history = await (await desk.client.get(f"/entries/{ENTRY}")).text()
    assert "gắn ảnh" in history


async def test_figures_of_any_period_with_the_chart(desk: WebDesk) -> None:
    await desk.report("Công an phường thông báo: người dân bắt buộc cài ứng dụng VNeID qua đường link "
                      "vneid-capnhat.com để kích hoạt định danh mức 2 trước ngày 30", LAN)
    await desk.login()
    page = await (await desk.client.get("/figures")).text()
    assert "Lượt hỏi: 1" in page and ENTRY in page and '<img src="/figures/chart.png?from=' in page
    chart_path = re.search(r'<img src="([^"]+)"', page)
    assert chart_path is not None
    chart = await desk.client.get(chart_path.group(1).replace("&amp;", "&"))
    assert chart.status == 200 and chart.content_type == "image/png"
    assert (await chart.read())[:8] == b"\x89PNG\r\n\x1a\n"
    past = await (await desk.client.get("/figures", params={"from": "2024-01-01", "to": "2024-01-31"})).text()
    assert "Lượt hỏi: 0" in past and "31 ngày, từ 01/01 đến 31/01/2024" in past and "chart.png" not in past
    wrong = await desk.client.get("/figures", params={"from": "2024-02-01", "to": "2024-01-01"})
    assert wrong.status == 422 and "không hợp lệ" in await wrong.text()


async def test_exports_download(desk: WebDesk) -> None:
    await desk.report(GAO, LAN)
    await desk.login()
    for name, kind in (("yaml", "application/yaml"), ("csv", "text/csv"), ("claimreview", "application/ld+json")):
        answer = await desk.client.get(f"/exports/catalogue.{name}")
        assert answer.status == 200 and answer.content_type == kind
        assert answer.headers["Content-Disposition"].startswith('attachment; filename="kiemchung-')
    reports = await desk.client.get("/exports/reports.csv")
    text = await reports.text()
    assert GAO in text and str(LAN["id"]) not in text  # no user ids leave the building
    assert (await desk.client.get("/exports/catalogue.exe")).status == 404


async def test_the_audit_log_pages(desk: WebDesk) -> None:
    await desk.report(GAO, LAN)
    await desk.login()
    await desk.client.post("/reports/1/dismiss", data={"csrf": await desk.csrf()})
    page = await (await desk.client.get("/audit")).text()
    assert "bỏ qua báo cáo" in page and "đăng nhập bàn làm việc web" in page and GAO in page
