"""The admin check: asked of Telegram once, remembered for a minute, asked again after."""

from __future__ import annotations

from typing import Any

from telegram import Bot, ChatMemberAdministrator, ChatMemberMember, User

from handlers.telegram.groups import AdminCheck

HUONG = User(5003, "Hương", is_bot=False)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Telegram:
    """Answers getChatMember from a table and counts the questions."""

    def __init__(self) -> None:
        self.admins: set[int] = set()
        self.asked = 0

    async def get_chat_member(self, chat_id: int, user_id: int) -> Any:
        self.asked += 1
        if user_id in self.admins:
            return ChatMemberAdministrator(HUONG, False, False, True, True, False, True, False, True, True, False,
                                           False, False)
        return ChatMemberMember(HUONG)


async def test_answers_are_cached_for_the_ttl_only() -> None:
    clock, telegram = Clock(), Telegram()
    check = AdminCheck(ttl=60.0, clock=clock)
    bot: Bot = telegram  # type: ignore[assignment]
    assert await check.is_admin(bot, -100, 5003) is False
    telegram.admins.add(5003)  # promoted
    clock.now += 30
    assert await check.is_admin(bot, -100, 5003) is False  # still the remembered answer
    assert telegram.asked == 1
    clock.now += 31
    assert await check.is_admin(bot, -100, 5003) is True
    assert telegram.asked == 2
    check.forget(-100, 5003)
    assert await check.is_admin(bot, -100, 5003) is True
    assert telegram.asked == 3
