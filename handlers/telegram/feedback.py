"""Telegram callbacks of feedback, follow-ups, statistics and exports.

The core decides (bot/desk/feedback.py, bot/desk/followups.py, bot/desk/statistics.py, bot/desk/exports.py); these
callbacks gather who pressed or asked where, send what the core returns, and map Telegram's errors
to plain outcomes (a user who blocked the bot is `blocked`, not a crash).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot.checking import notice
from bot.core import Core
from bot.delivery.outbox import Kind
from bot.desk.clock import VIETNAM
from bot.desk.entries import LinkListener
from bot.desk.exports import ExportFormat, export_catalogue
from bot.desk.feedback import FeedbackDesk
from bot.desk.followups import FollowUp, FollowUpDesk
from bot.desk.statistics import Statistics, StatisticsDesk, parse_days
from bot.locale import Locale
from bot.replies import Button, Paragraph, Reply
from bot.store.outbox import Owed
from bot.votes import PAYLOAD_PATTERN
from handlers.telegram.delivery import file_message, owe, text_messages
from handlers.telegram.messages import PLATFORM, Context, send_reply, send_to_chat
from handlers.telegram.officers import TOAST_LIMIT, actor_of, command_name, command_text
from handlers.telegram.render import render_html

log = logging.getLogger(__name__)

FEEDBACK_BUTTONS = PAYLOAD_PATTERN
FOLLOW_UPS_AT_START = 5.0  # seconds after start-up: questions linked while the bot was down are followed up
MAX_TITLES = 10_000  # group titles remembered in memory, to write a title only when it changes


def caption_of(text: str) -> Reply:
    return Reply((Paragraph.of(text),))


def ptb_day(weekday: int) -> int:
    """Python's Monday-first weekday in the numbering of JobQueue.run_daily (Sunday = 0)."""
    return (weekday + 1) % 7


class FeedbackHandlers:
    def __init__(self, core: Core, locale: Locale) -> None:
        assert core.storage is not None, "feedback needs the database"
        self.core = core
        self.locale = locale
        language = core.config.language
        self.feedback = FeedbackDesk(core.storage, core.officers, language)
        assert core.outbox is not None
        self.follow_ups = FollowUpDesk(core.outbox, lambda: core.catalogue, language)
        self.statistics = StatisticsDesk(core.storage, core.officers, core.catalogue, language)
        self._titles: dict[int, str] = {}

    # -- 👍 / 👎 -----------------------------------------------------------------------------------------
    async def vote(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat_id = str(message.chat.id) if message is not None else ""
        outcome = await self.feedback.vote(PLATFORM, chat_id, str(query.from_user.id), query.data or "")
        await query.answer(outcome.toast[:TOAST_LIMIT])
        if outcome.buttons is not None and isinstance(message, Message):
            try:
                await message.edit_reply_markup(reply_markup=self.with_counts(message, outcome.buttons))
            except BadRequest as exc:  # e.g. two presses crossing: the counts shown are already these
                log.info("could not update the feedback counts: %s", exc)
        card, chat = outcome.officers_card, self.core.config.officers_chat
        if card is not None and chat is not None:
            context.application.create_task(self.post(context, chat, card), name=f"dispute-{query.id}")

    @staticmethod
    def with_counts(message: Message, row: tuple[Button, ...]) -> InlineKeyboardMarkup:
        """The message's buttons with the feedback row replaced by `row` (other rows kept)."""
        fresh = [InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
        rows = [list(r) for r in message.reply_markup.inline_keyboard] if message.reply_markup else []
        kept = [r for r in rows if not any(isinstance(b.callback_data, str) and re.match(FEEDBACK_BUTTONS,
                                                                                          b.callback_data)
                                           for b in r)]
        return InlineKeyboardMarkup([*kept, fresh])

    async def post(self, context: Context, chat_id: int, reply: Reply) -> None:
        await send_to_chat(context.bot, chat_id, reply, kind=Kind.NOTIFICATION)

    # -- follow-ups ------------------------------------------------------------------------------------
    def link_listener(self, application: Application[Any, Any, Any, Any, Any, Any]) -> LinkListener:
        """Told when officers link reports: the askers' follow-ups go out without delaying the officer."""
        async def linked(report_ids: object, rumor_id: str) -> None:
            application.create_task(self.deliver(application), name=f"follow-ups-{rumor_id}")

        return linked

    async def deliver(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        def render(follow_up: FollowUp) -> list[Owed]:
            reply_to = int(follow_up.reply_to) if follow_up.reply_to and follow_up.reply_to.isdigit() else None
            return text_messages(int(follow_up.chat_id), follow_up.reply, Kind.FOLLOW_UP, reply_to, follow_up.ref)

        owed = await self.follow_ups.deliver(PLATFORM, render)
        if owed:
            log.info("follow-ups: %d owed", owed)

    async def deliver_job(self, context: Context) -> None:
        await self.deliver(context.application)

    # -- /thongke, the weekly digest -----------------------------------------------------------------------
    async def stats(self, update: Update, context: Context) -> None:
        """/thongke [days] (/stats): officers only; the figures as text, then the chart as a photo."""
        message, actor = update.effective_message, actor_of(update)
        if message is None or actor is None or self.core.officers is None:
            return
        text = command_text(message)
        refusal = await self.core.officers.guard(actor, command_name(message), text)
        if refusal is not None:
            await send_reply(message, refusal)
            return
        days = parse_days(text)
        if days is None:
            await send_reply(message, notice(self.locale, "stats.usage"))
            return
        stats = await self.statistics.gather(days)
        await send_reply(message, self.statistics.reply(stats))
        await self.send_chart(context, message.chat_id, stats)

    async def send_chart(self, context: Context, chat_id: int, stats: Statistics, kind: Kind = Kind.ANSWER) -> None:
        chart = self.statistics.chart(stats)
        if chart is None:
            return
        from bot.desk.charts import render_daily_chart  # matplotlib only when a chart is drawn

        png = await asyncio.to_thread(render_daily_chart, chart)  # ~0.5 s of CPU: off the event loop
        caption = render_html(caption_of(self.locale.t("stats.chart.caption", days=stats.days)))[0]
        await owe(context.bot, [file_message(chat_id, kind, "photo", png, f"thongke-{stats.days}.png", caption)])

    async def digest(self, context: Context) -> None:
        """The weekly digest in the officers' chat: last week's figures and chart."""
        chat, storage = self.core.config.officers_chat, self.core.storage
        if chat is None or storage is None:
            return
        week = dt.datetime.now(VIETNAM).strftime("%G-W%V")
        if storage.db.shared and not await storage.coordination.claim_run("digest", week):
            log.info("the weekly digest of %s is posted by another process", week)
            return
        stats = await self.statistics.gather(7)
        await send_to_chat(context.bot, chat, self.statistics.reply(stats, "stats.digest"), kind=Kind.DIGEST)
        await self.send_chart(context, chat, stats, Kind.DIGEST)

    def schedule(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The start-up follow-up pass and, with an officers' chat, the weekly digest (JobQueue)."""
        jobs = application.job_queue
        if jobs is None:
            log.warning("no JobQueue (python-telegram-bot[job-queue] missing): no digest, no follow-up pass")
            return
        jobs.run_once(self.deliver_job, FOLLOW_UPS_AT_START, name="follow-ups-at-start")
        digest = self.core.config.digest
        if digest.enabled and self.core.config.officers_chat is not None:
            jobs.run_daily(self.digest, dt.time(digest.hour, tzinfo=VIETNAM), days=(ptb_day(digest.weekday),),
                           name="weekly-digest")

    # -- /xuat -----------------------------------------------------------------------------------------
    async def export(self, update: Update, context: Context) -> None:
        """/xuat [yaml|csv|claimreview] (/export): officers only; the merged catalogue as a file."""
        message, actor = update.effective_message, actor_of(update)
        if message is None or actor is None or self.core.officers is None:
            return
        text = command_text(message).strip().lower()
        refusal = await self.core.officers.guard(actor, command_name(message), text)
        if refusal is not None:
            await send_reply(message, refusal)
            return
        try:
            form = ExportFormat(text or ExportFormat.YAML.value)
        except ValueError:
            await send_reply(message, notice(self.locale, "export.usage"))
            return
        catalogue = self.core.catalogue
        today = dt.datetime.now(VIETNAM).date()
        data = export_catalogue(catalogue, form).encode("utf-8")
        caption = self.locale.t("export.caption", format=form.value, count=len(catalogue.rumors),
                                date=today.strftime("%d/%m/%Y"))
        await owe(context.bot, [file_message(message.chat_id, Kind.ANSWER, "document", data,
                                             f"kiemchung-{today:%Y%m%d}.{form.suffix}",
                                             render_html(caption_of(caption))[0])])

    # -- group titles, for statistics ------------------------------------------------------------------
    async def remember_title(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None or not chat.title or self._titles.get(chat.id) == chat.title:
            return
        if len(self._titles) > MAX_TITLES:
            self._titles.clear()
        self._titles[chat.id] = chat.title
        assert self.core.storage is not None
        await self.core.storage.groups.set_title(PLATFORM, str(chat.id), chat.title)

