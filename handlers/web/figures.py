"""The figures of any period (the /thongke numbers and chart, bot/desk/statistics.py), the audit log,
and the exports to download (bot/desk/exports.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiohttp import web

from bot.desk.clock import VIETNAM
from bot.desk.entries import changed_fields
from bot.desk.exports import ExportFormat, export_catalogue, reports_csv
from bot.desk.statistics import DEFAULT_DAYS, Statistics, StatisticsDesk
from bot.store.audit import AuditRecord
from bot.store.storage import Storage
from handlers.web.keys import CORE, DESK
from handlers.web.queue import number_arg
from handlers.web.render import locale_of, page, reply_html

MAX_PERIOD_DAYS = 366  # a year on one chart; its dates thin out to about eight under the axis
AUDIT_PAGE_SIZE = 50
CONTENT_TYPES = {ExportFormat.YAML: "application/yaml", ExportFormat.CSV: "text/csv",
                 ExportFormat.CLAIMREVIEW: "application/ld+json"}


def today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def day_arg(request: web.Request, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.query.get(name, "").strip())
    except ValueError:
        return None


def period(request: web.Request) -> tuple[dt.date, dt.date, bool]:
    """The first and last day asked for (the last week without), and whether they make a period."""
    last = day_arg(request, "to") or today()
    first = day_arg(request, "from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    return first, last, first <= last and (last - first).days < MAX_PERIOD_DAYS


def storage_of(request: web.Request) -> Storage:
    storage = request.app[CORE].storage
    assert storage is not None, "the web desk needs the database"
    return storage


async def gather(request: web.Request, first: dt.date, last: dt.date) -> tuple[StatisticsDesk, Statistics]:
    desk = StatisticsDesk(storage_of(request), request.app[DESK], language=locale_of(request).language)
    return desk, await desk.gather((last - first).days + 1, last_day=last)


async def figures(request: web.Request) -> web.StreamResponse:
    first, last, valid = period(request)
    context: dict[str, Any] = {"first": first.isoformat(), "last": last.isoformat(), "valid": valid,
                               "max_days": MAX_PERIOD_DAYS, "numbers": None, "chart": False}
    if valid:
        statistics, stats = await gather(request, first, last)
        context.update(numbers=reply_html(statistics.reply(stats)), chart=statistics.chart(stats) is not None)
    return page(request, "figures.html", status=200 if valid else 422, **context)


async def chart(request: web.Request) -> web.StreamResponse:
    first, last, valid = period(request)
    if not valid:
        raise web.HTTPNotFound()
    statistics, stats = await gather(request, first, last)
    drawn = statistics.chart(stats)
    if drawn is None:
        raise web.HTTPNotFound()
    from bot.desk.charts import render_daily_chart  # matplotlib only when a chart is drawn

    png = await asyncio.to_thread(render_daily_chart, drawn)  # about half a second of CPU: off the event loop
    return web.Response(body=png, content_type="image/png")


def audit_detail(record: AuditRecord) -> str:
    """What an audit row says beyond its action: the fields changed, the text refused or dismissed."""
    changed = ", ".join(changed_fields(record))
    if changed:
        return changed
    for value in (record.after, record.before):
        if isinstance(value, dict):
            for key in ("text", "detail", "reports", "officer", "hashes"):
                if key in value:
                    return f"{key}: {value[key]}"
    return ""


async def audit(request: web.Request) -> web.StreamResponse:
    offset = (number_arg(request, "page") - 1) * AUDIT_PAGE_SIZE
    rows, total = await storage_of(request).audit.recent(AUDIT_PAGE_SIZE, offset)
    pages = max(1, (total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE)
    return page(request, "audit.html", rows=[(row, audit_detail(row.record)) for row in rows], total=total,
                page_number=offset // AUDIT_PAGE_SIZE + 1, pages=pages)


async def exports(request: web.Request) -> web.StreamResponse:
    return page(request, "exports.html", formats=list(ExportFormat))


def download(body: str, filename: str, content_type: str) -> web.Response:
    return web.Response(text=body, content_type=content_type, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def export_file(request: web.Request) -> web.StreamResponse:
    try:
        form = ExportFormat(request.match_info["format"])
    except ValueError:
        raise web.HTTPNotFound() from None
    text = export_catalogue(request.app[DESK].catalogue, form)
    return download(text, f"kiemchung-{today():%Y%m%d}.{form.suffix}", CONTENT_TYPES[form])


async def export_reports(request: web.Request) -> web.StreamResponse:
    since = day_arg(request, "since")
    start = dt.datetime.combine(since, dt.time(), VIETNAM) if since else None
    text = reports_csv(await storage_of(request).reports.log(start))
    return download(text, f"kiemchung-reports-{today():%Y%m%d}.csv", "text/csv")
