"""The authorisation matrix: every officer, owner and group-admin command and every button, sent by
each role that must not use it, is refused, changes nothing, and is recorded in the audit.

The matrix is generated: (what, who) for every command and button kind and every role that lacks
the right, plus forged presses (an officers' button in another chat) and stale payloads (another
version) by people who would have the right. All cases are sent at once, like a busy chat.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import pytest

from bot.config import Config
from tests.conftest import RunningBot
from tests.updates import (
    HUNG,
    MINH,
    OFFICERS_CHAT,
    PHU_HUYNH,
    THU,
    TO_DAN_PHO,
    buttons_of,
    callback_update,
    command_update,
    group_command,
    text_update,
)

MEMBER = {"id": 8001, "is_bot": False, "first_name": "Bình", "last_name": "Đỗ", "language_code": "vi"}
OTHER_ADMIN = {"id": 8002, "is_bot": False, "first_name": "Cúc", "last_name": "Huỳnh", "language_code": "vi"}
EX_OFFICER = {"id": 8003, "is_bot": False, "first_name": "Dũng", "last_name": "Phan", "language_code": "vi"}
ENTRY = "vneid-link-cai-dat-gia"
UNKNOWN = "Nghe nói tuần sau phường Minh An phát gạo miễn phí cho mỗi hộ 10 ký, ai biết thật không?"
FORM = f"""id: gao-mien-phi-minh-an
claim: {UNKNOWN}
verdict: sai
summary: UBND phường Minh An không có chương trình phát gạo nào.
source: https://minhan.example/thong-bao"""

# command text -> the refusal it must get
OFFICER_COMMANDS = [
    f"/them\n{FORM}", "/them", f"/add\n{FORM}", f"/sua {ENTRY} kết luận đúng", f"/edit {ENTRY} verdict true",
    f"/xoa {ENTRY}", f"/retire {ENTRY}", f"/khoiphuc {ENTRY}", f"/restore {ENTRY}", f"/xem {ENTRY}",
    f"/show {ENTRY}", "/tim vneid", "/find vneid", f"/lichsu {ENTRY}", f"/history {ENTRY}", "/baocao",
    "/reports", f"/gan 1 {ENTRY}", f"/link 1 {ENTRY}", "/web", "/trang",
]
OWNER_COMMANDS = [f"/capquyen {MEMBER['id']}", f"/grant {MEMBER['id']}", f"/thuhoi {THU['id']}",
                  f"/revoke {THU['id']}"]
GROUP_COMMANDS = ["/caidat warn", "/settings off", "/caidat bật"]
OFFICER_BUTTONS = [f"v1:of:ln:1:{ENTRY}", "v1:of:sg:1:0", "v1:of:nw:1", "v1:of:dm:1:0", "v1:of:pg:1",
                   "v1:of:vd:false", "v1:of:ok", "v1:of:no"]
GROUP_BUTTONS = ["v1:grp:mode:warn", "v1:grp:mode:observe", "v1:grp:mode:off"]
NOT_OFFICERS = {"member": MEMBER, "other group's admin": OTHER_ADMIN, "revoked officer": EX_OFFICER}
NOT_OWNERS = {**NOT_OFFICERS, "officer": THU}
NOT_ADMINS = {**NOT_OWNERS, "owner": HUNG}

OFFICERS_ONLY = "chỉ dành cho cán bộ"
OWNERS_ONLY = "Chỉ người quản lý bot"
ADMINS_ONLY = "chỉ quản trị viên của nhóm"
STALE = ("phiên bản cũ", "đã cũ")
INVALID = "không hợp lệ"
UNCHANGED_TABLES = ("reports", "entries", "officer_rights", "report_reviews", "officer_notifications",
                    "group_settings", "group_warnings", "chat_migrations")


@dataclass
class Case:
    kind: str  # officer command, owner command, group command, officer button, group button, forged, stale
    role: str
    user: dict[str, Any]
    update: dict[str, Any]
    refusal: tuple[str, ...]

# hundreds of updates at once: Telegram's limits (20 messages a minute in a group) are not the subject
pytestmark = pytest.mark.usefixtures("no_rate_limit")


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, owners=(HUNG["id"],), officers=(THU["id"],), officers_chat=OFFICERS_CHAT["id"],
                   private_messages_per_minute=1000, groups=replace(config.groups, checks_per_minute=60))


def snapshot(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(bot.config.database) as db:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in UNCHANGED_TABLES}


def matrix(card: dict[str, Any], settings: dict[str, Any], stranger_chat: dict[str, Any]) -> list[Case]:
    cases: list[Case] = []
    for role, user in NOT_OFFICERS.items():
        cases += [Case("officer command", role, user, command_update(c, user), (OFFICERS_ONLY,))
                  for c in OFFICER_COMMANDS]
        cases += [Case("officer button", role, user, callback_update(p, card, user), (OFFICERS_ONLY,))
                  for p in OFFICER_BUTTONS]
        # forged: an officers' button on a message in a chat that is not the officers' (as a client could send)
        cases += [Case("forged button", role, user, callback_update(p, stranger_chat, user), (OFFICERS_ONLY,))
                  for p in ("v1:of:dm:1:0", f"v1:of:ln:1:{ENTRY}")]
    for role, user in NOT_OWNERS.items():
        cases += [Case("owner command", role, user, command_update(c, user), (OWNERS_ONLY,)) for c in OWNER_COMMANDS]
    for role, user in NOT_ADMINS.items():
        cases += [Case("group command", role, user, group_command(c, user, TO_DAN_PHO), (ADMINS_ONLY,))
                  for c in GROUP_COMMANDS]
        cases += [Case("group button", role, user, callback_update(p, settings, user), (ADMINS_ONLY,))
                  for p in GROUP_BUTTONS]
    # stale payloads (another version) and forged ones, pressed by those who hold the right
    cases += [Case("stale button", "officer", THU, callback_update(p, card, THU), STALE)
              for p in ("v0:of:dm:1:0", f"v2:of:ln:1:{ENTRY}", "v0:of:pg:1")]
    cases += [Case("forged button", "officer", THU, callback_update(p, card, THU), (INVALID,))
              for p in ("v1:of:dm:1:0:extra", "v1:of:ln:1:../../etc", "v1:of:zz:1")]
    cases += [Case("stale button", "owner", HUNG, callback_update(p, settings, HUNG), STALE)
              for p in ("v0:grp:mode:warn", "v1:grp:mode:always", "v2:grp:mode:off")]
    return cases


def answer_to(bot: RunningBot, case: Case, since: int) -> str:
    """What the bot said to this case: the toast of its press, or its reply to its message."""
    if "callback_query" in case.update:
        query_id = case.update["callback_query"]["id"]
        return " ".join(str(c["text"]) for c in bot.calls("answerCallbackQuery", since)
                        if c["callback_query_id"] == query_id)
    message = case.update["message"]
    return " ".join(c["text"] for c in bot.calls("sendMessage", since)
                    if int(c["chat_id"]) == message["chat"]["id"]
                    and (c.get("reply_parameters") or {}).get("message_id") == message["message_id"])


async def test_every_refusal_of_the_matrix(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.api.chat_members[(PHU_HUYNH["id"], OTHER_ADMIN["id"])] = "administrator"
    # the state the attempts aim at: a pending report with its card, a revoked officer, the group's settings
    await bot.send(text_update(UNKNOWN, MINH), expect=2)
    card = bot.api.messages_in(OFFICERS_CHAT["id"])[-1]
    assert "v1:of:dm:1:0" in buttons_of(card).values()
    await bot.send(command_update(f"/capquyen {EX_OFFICER['id']}", HUNG))
    await bot.send(command_update(f"/thuhoi {EX_OFFICER['id']}", HUNG))
    await bot.send(group_command("/caidat", MINH, TO_DAN_PHO))
    settings = bot.api.messages_in(TO_DAN_PHO["id"])[-1]
    stranger_chat = {**card, "chat": {"id": MEMBER["id"], "type": "private", "first_name": "Bình"}}
    before, audited = snapshot(bot), len(bot.rows("SELECT * FROM audit"))
    since = len(bot.api.calls)

    cases = matrix(card, settings, stranger_chat)
    await bot.send_all([case.update for case in cases])

    wrong = [(c.kind, c.role, answer_to(bot, c, since)) for c in cases
             if not any(r in answer_to(bot, c, since) for r in c.refusal)]
    assert wrong == []
    assert snapshot(bot) == before
    refused = bot.rows("SELECT user_id, target FROM audit WHERE action = 'refused' AND id > ?", audited)
    assert len(bot.rows("SELECT * FROM audit WHERE id > ?", audited)) == len(refused) == len(cases)
    assert Counter(r["user_id"] for r in refused) == Counter(str(c.user["id"]) for c in cases)
    counts = Counter((c.kind, c.role) for c in cases)
    print("\nauthorisation matrix (kind, role): attempts, all refused, state unchanged, all audited")
    for (kind, role), n in sorted(counts.items()):
        print(f"  {kind:<16} {role:<20} {n:>3}")
    print(f"  {'total':<37} {len(cases):>3}")
