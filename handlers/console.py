"""The local console: paste a message, see exactly the answer the bot would send (as plain text).

Messages are separated by an empty line, so a pasted multi-line post is checked as one message.
Checks are logged like the bot's, with platform "console".
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from bot.checking import ChatType, CheckRequest
from bot.core import Core
from bot.locale import get_locale
from handlers.plain_text import render_plain

PLATFORM = "console"


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


async def run_console(core: Core, stream: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    locale = get_locale(core.config.language)
    interactive = stream.isatty()
    if interactive:
        out.write(locale.t("console.banner") + "\n")
    prompt = locale.t("console.prompt") if interactive else None
    for number, text in enumerate(read_messages(stream, prompt, out), start=1):
        request = CheckRequest(platform=PLATFORM, chat_id="console", chat_type=ChatType.PRIVATE,
                               text=text, user_id="console", message_id=None)
        answer = await core.checker.check(request)
        if not interactive and number > 1:
            out.write("\n" + "─" * 40 + "\n")
        out.write(render_plain(answer.reply) + "\n")
        out.flush()
    return 0
