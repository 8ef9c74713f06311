"""The reference for bench/load.py: a bare python-telegram-bot echo bot, standard Updater.

    TELEGRAM_BOT_TOKEN=... python bench/echo_bot.py BASE_URL
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text[:4000], do_quote=True)


def main() -> None:
    # The same rate limiter as Kiểm Chứng (Telegram allows a bot about 30 messages a second), so the
    # comparison shows Kiểm Chứng's own cost, not the limiter's.
    application = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(sys.argv[1])
                   .rate_limiter(AIORateLimiter(max_retries=3)).concurrent_updates(8).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(timeout=1, poll_interval=0)


if __name__ == "__main__":
    main()
