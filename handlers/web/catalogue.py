"""The catalogue in the browser: search with or without accents, an entry with its history and its
reports, new entries (from a report too), edits with every problem shown at its field, retire and
restore, and the rumor's image. Every change goes through the chat desk's use cases
(bot/desk/entries.py): the loader's validation, the audit, the matcher told at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp import web

from bot.catalogue import Problem, Rumor, Verdict
from bot.desk.entries import Saved, changed_fields, problem_field
from bot.desk.forms import EDITABLE_FIELDS, LIST_FIELDS
from bot.desk.officers import OfficerDesk
from handlers.web.keys import CORE, DESK
from handlers.web.queue import number_arg, session_of
from handlers.web.render import flash, message_page, page, see_other, tr

CATALOGUE_PAGE_SIZE = 50
ENTRY_REPORTS = 30  # the newest reports about an entry shown on its page
NEW_FIELDS = ("id", "claim", "verdict", "summary", "source", "publisher", "urls", "phones", "region", "tags")
MAX_FIELD = 20_000  # characters of one field a form may send (a summary is a few hundred)


def form_values(rumor: Rumor) -> dict[str, str]:
    """An entry as its edit form shows it: lists one item a line."""
    source = rumor.sources[0]
    return {
        "claim": rumor.claim, "verdict": rumor.verdict.value, "summary": rumor.summary, "source": source.url,
        "publisher": source.publisher, "urls": "\n".join(rumor.urls), "phones": "\n".join(rumor.phones),
        "variants": "\n".join(rumor.variants), "region": rumor.region, "tags": ", ".join(rumor.tags),
        "published": rumor.published.isoformat() if rumor.published else "",
    }


def problems_by_field(desk: OfficerDesk, problems: Sequence[Problem], fields: Sequence[str]) -> dict[str, list[str]]:
    """Each problem at the field of the form it is about; what no field shows goes under "" (the top)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        name = problem_field(problem)
        errors.setdefault(name if name in fields else "", []).append(desk.entries.problem_message(problem))
    return errors


def posted_fields(form: Mapping[str, object], names: Sequence[str]) -> dict[str, str]:
    return {name: value[:MAX_FIELD] for name in names if isinstance(value := form.get(name, ""), str)}


def entry_form(request: web.Request, *, rumor: Rumor | None, values: Mapping[str, str],
               errors: Mapping[str, list[str]] | None = None, report_id: int | None = None,
               status: int = 200) -> web.Response:
    fields = EDITABLE_FIELDS if rumor is not None else NEW_FIELDS
    return page(request, "entry_form.html", status=status, rumor=rumor, values=values, errors=errors or {},
                fields=fields, multiline=(*LIST_FIELDS, "claim", "summary"), verdicts=list(Verdict),
                report_id=report_id)


async def entries(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]
    words = request.query.get("q", "").strip()[:200]
    rumors = desk.entries.search(words, CATALOGUE_PAGE_SIZE) if words else sorted(desk.catalogue.rumors,
                                                                                   key=lambda r: r.id)
    pages = max(1, (len(rumors) + CATALOGUE_PAGE_SIZE - 1) // CATALOGUE_PAGE_SIZE)
    at = min(number_arg(request, "page"), pages)
    shown = rumors[(at - 1) * CATALOGUE_PAGE_SIZE: at * CATALOGUE_PAGE_SIZE]
    return page(request, "entries.html", rumors=shown, words=words, total=len(desk.catalogue.rumors),
                found=len(rumors), page_number=at, pages=pages, stored=desk.entries.stored_ids())


async def entry(request: web.Request) -> web.StreamResponse:
    desk, core = request.app[DESK], request.app[CORE]
    rumor_id = request.match_info["rumor_id"]
    rumor = desk.catalogue.get(rumor_id)
    if rumor is None:
        return message_page(request, 404, tr(request, "web.entry.title", id=rumor_id),
                            tr(request, "officers.unknown_entry", id=rumor_id))
    assert core.storage is not None
    history = [(row, changed_fields(row.record)) for row in await core.storage.audit.for_entry(rumor.id)]
    reports = await core.storage.reports.about_entry(rumor.id, ENTRY_REPORTS)
    images = sum(1 for image in await core.storage.images.all() if image.rumor_id == rumor.id) + len(rumor.images)
    return page(request, "entry.html", rumor=rumor, history=history, reports=reports, images=images,
                can_attach=core.images is not None, stored=rumor.id in desk.entries.stored_ids())


async def new_entry(request: web.Request) -> web.StreamResponse:
    return entry_form(request, rumor=None, values={})


async def new_from_report(request: web.Request) -> web.StreamResponse:
    """➕ on a report: the form with the report's text as the claim; saving it links the report's group."""
    report_id = int(request.match_info["report_id"])
    claim, problem = await request.app[DESK].report_claim(session_of(request).actor, report_id)
    if claim is None:
        return message_page(request, 404, tr(request, "web.report.title", id=report_id), problem)
    return entry_form(request, rumor=None, values={"claim": claim}, report_id=report_id)


def saved_or_form(request: web.Request, saved: Saved, rumor: Rumor | None, values: Mapping[str, str],
                  report_id: int | None = None) -> web.Response:
    if saved.rumor is not None:
        flash(request, saved.reply.paragraphs[0].plain)
        return see_other(f"/entries/{saved.rumor.id}")
    desk = request.app[DESK]
    fields = EDITABLE_FIELDS if rumor is not None else NEW_FIELDS
    errors = problems_by_field(desk, saved.problems, fields) if saved.problems else {"": [saved.reply.plain]}
    return entry_form(request, rumor=rumor, values=values, errors=errors, report_id=report_id, status=422)


async def create(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    values = posted_fields(form, NEW_FIELDS)
    report = form.get("report")
    report_id = int(report) if isinstance(report, str) and report.isdigit() else None
    # the chat's form separates list items with commas; here they may also be one a line
    fields = {name: ", ".join(value.splitlines()) if name in LIST_FIELDS else value for name, value in values.items()}
    saved = await request.app[DESK].entries.save_new(session_of(request).actor, fields, report_id)
    return saved_or_form(request, saved, None, values, report_id)


async def edit_page(request: web.Request) -> web.StreamResponse:
    rumor = request.app[DESK].catalogue.get(request.match_info["rumor_id"])
    if rumor is None:
        raise web.HTTPNotFound()
    return entry_form(request, rumor=rumor, values=form_values(rumor))


async def edit(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]
    rumor = desk.catalogue.get(request.match_info["rumor_id"])
    if rumor is None:
        raise web.HTTPNotFound()
    values = posted_fields(await request.post(), EDITABLE_FIELDS)
    saved = await desk.entries.edit_form(session_of(request).actor, "edit", rumor.id, values)
    return saved_or_form(request, saved, rumor, values)


async def set_status(request: web.Request, retire: bool) -> web.StreamResponse:
    rumor_id = request.match_info["rumor_id"]
    reply = await request.app[DESK].set_status(session_of(request).actor, "retire" if retire else "restore",
                                                rumor_id, retire)
    flash(request, reply.paragraphs[0].plain)
    return see_other(f"/entries/{rumor_id}")


async def retire(request: web.Request) -> web.StreamResponse:
    return await set_status(request, True)


async def restore(request: web.Request) -> web.StreamResponse:
    return await set_status(request, False)


async def attach_image(request: web.Request) -> web.StreamResponse:
    """The rumor's image, uploaded: hashed and read like `/sua <id> anh` under a photo in the chat."""
    desk, core = request.app[DESK], request.app[CORE]
    rumor_id = request.match_info["rumor_id"]
    actor = session_of(request).actor
    rumor = await desk.entries.guarded_entry(actor, "attach image", rumor_id)
    upload = (await request.post()).get("image")
    if not isinstance(rumor, Rumor):
        flash(request, rumor.plain)
    elif core.images is None or core.storage is None:
        flash(request, tr(request, "image.unavailable"))
    elif not isinstance(upload, web.FileField):
        flash(request, tr(request, "web.entry.no_file"))
    else:
        data = upload.file.read()
        key = await core.images.attach(rumor.id, data, core.storage.images, actor.platform, actor.chat_id,
                                       actor.user_id)
        flash(request, tr(request, key, id=rumor.id))
    return see_other(f"/entries/{rumor_id}")
