"""/web's one-time links and the web desk's sessions, in the core: no browser, no HTTP."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from bot.config import WebConfig
from bot.core import Core
from bot.desk.logins import SESSION_HOURS, WebLogins, csrf_matches, csrf_token
from bot.desk.rights import Role
from bot.store.values import utcnow
from tests.bot.conftest import MEMBER, OFFICER, OWNER
from tests.bot.desk.test_officers import actor, desk_of, rows


def with_web(core: Core) -> WebLogins:
    """The desk's logins with the web desk configured at a public address."""
    logins = desk_of(core).logins
    logins.config = replace(logins.config, web=WebConfig(("127.0.0.1", 8090), "https://desk.example.vn"))
    return logins


async def token_of(logins: WebLogins, user: str = OFFICER) -> str:
    reply = await logins.issue(actor(user), "/web")
    found = re.search(r"https://desk\.example\.vn/login/([\w-]{43})", reply.plain)
    assert found is not None, reply.plain
    return found.group(1)


async def test_a_link_opens_one_session_of_the_officer(core: Core) -> None:
    logins = with_web(core)
    token = await token_of(logins)
    assert await logins.check_link(token) == ""
    session_token, problem = await logins.open_session(token)
    assert session_token is not None and problem == ""
    session = await logins.session(session_token)
    assert session is not None
    assert (session.actor.platform, session.actor.user_id, session.actor.chat_id, session.role) == (
        "telegram", OFFICER, "web", Role.OFFICER)
    assert session.expires_at - utcnow() <= dt.timedelta(hours=SESSION_HOURS)
    assert csrf_matches(session_token, session.csrf) and not csrf_matches(session_token, csrf_token("other"))
    assert await logins.open_session(token) == (None, "web.login.used")
    stored = str([tuple(r) for r in rows(core, "SELECT * FROM web_logins")]) + \
        str([tuple(r) for r in rows(core, "SELECT * FROM web_sessions")])
    assert token not in stored and session_token not in stored


async def test_a_session_ends_with_its_hours_and_with_the_rights(core: Core) -> None:
    logins = with_web(core)
    session_token, _ = await logins.open_session(await token_of(logins))
    assert session_token is not None
    logins.now = lambda: utcnow() + dt.timedelta(hours=SESSION_HOURS, seconds=1)
    assert await logins.session(session_token) is None
    logins.now = utcnow
    assert await logins.session(session_token) is not None
    await desk_of(core).run_command(actor(OWNER), f"/thuhoi {OFFICER}")
    assert await logins.session(session_token) is None
    [refused] = rows(core, "SELECT * FROM audit WHERE action = 'refused'")
    assert (refused["user_id"], refused["target"]) == (OFFICER, "web session (rights revoked)")


async def test_without_the_web_desk_officers_are_told_and_members_refused(core: Core) -> None:
    logins = desk_of(core).logins
    assert "chưa được bật" in (await logins.issue(actor(OFFICER), "/web")).plain
    assert "chỉ dành cho cán bộ" in (await logins.issue(actor(MEMBER), "/web")).plain
    assert rows(core, "SELECT * FROM web_logins") == []
