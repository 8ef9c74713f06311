"""The local console: paste a message, see exactly the answer the bot would send (as plain text).

Messages are separated by an empty line, so a pasted multi-line post is checked as one message.
Checks are logged like the bot's, with platform "console". A slash-command is explained, never
checked or logged. With --officer, the officers' commands run on the same database through the
same desk use cases as on Zalo (text commands, no buttons), as the local operator (an owner).

Ctrl-C leaves at once: asyncio's own SIGINT handler only cancels the main task, which cannot
happen while the loop waits on a blocking readline, so the console puts Python's back for its run.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
from collections.abc import Iterator
from typing import TextIO

from bot.checking import ChatType, CheckRequest, notice
from bot.core import Core
from bot.desk.rights import LOCAL_PLATFORM, Actor
from bot.locale import Locale, get_locale
from bot.replies import Reply
from handlers.plain_text import render_plain

PLATFORM = "console"
SLASH_COMMAND = re.compile(r"^/\w+")


def read_messages(stream: TextIO, prompt: str | None, out: TextIO) -> Iterator[str]:
    """Yield blocks of lines separated by empty lines; end at end of input."""
    lines: list[str] = []
    while True:
        if prompt is not None and not lines:
            out.write(prompt)
            out.flush()
        line = stream.readline()
        if not line:
            break
        if line.strip():
            lines.append(line.rstrip("\n"))
            continue
        if lines:
            yield "\n".join(lines)
            lines = []
    if lines:
        yield "\n".join(lines)


@contextlib.contextmanager
def interrupt_at_once() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt wherever the console waits (see the module's docstring)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread (tests): nothing to restore
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Console:
    def __init__(self, core: Core, officer: bool) -> None:
        self.core = core
        self.officer = officer
        self.locale: Locale = get_locale(core.config.language)
        self.actor = Actor(LOCAL_PLATFORM, "console", "console")

    async def answer(self, text: str) -> Reply:
        command = SLASH_COMMAND.match(text.strip())
        if command and self.officer and self.core.officers is not None:
            reply = await self.core.officers.run_command(self.actor, text)
            if reply is not None:
                return reply
            return notice(self.locale, "console.officer.unknown", command=command.group(0))
        if command:  # a citizen's console checks messages; commands belong to the chat platforms
            return notice(self.locale, "console.command", command=command.group(0))
        request = CheckRequest(platform=PLATFORM, chat_id="console", chat_type=ChatType.PRIVATE,
                               text=text, user_id="console", message_id=None)
        return (await self.core.checker.check(request)).reply


async def run_console(core: Core, stream: TextIO = sys.stdin, out: TextIO = sys.stdout, *,
                      officer: bool = False) -> int:
    console = Console(core, officer)
    interactive = stream.isatty()
    if interactive:
        out.write(console.locale.t("console.banner.officer" if officer else "console.banner") + "\n")
    prompt = console.locale.t("console.prompt") if interactive else None
    with interrupt_at_once():
        try:
            for number, text in enumerate(read_messages(stream, prompt, out), start=1):
                reply = await console.answer(text)
                if not interactive and number > 1:
                    out.write("\n" + "─" * 40 + "\n")
                out.write(render_plain(reply) + "\n")
                out.flush()
        except KeyboardInterrupt:
            out.write("\n")
            return 130
    return 0
