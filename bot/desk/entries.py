"""The catalogue as officers edit it in the chat: add, edit, retire, restore, show, find, history.

Officers' entries live in the database and win over the shipped YAML by id; every change is
validated by the catalogue loader's own `parse_entry`, saved with its audit row in one
transaction, and published to the matcher at once (no restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.catalogue import Catalogue, Problem, Rumor, merge_catalogues, parse_entry, rumor_to_dict
from bot.checking import format_date, notice, source_paragraphs, verdict_label
from bot.desk.clock import local_time
from bot.desk.forms import (
    EDITABLE_FIELDS,
    MAX_ID_LENGTH,
    apply_edit,
    apply_fields,
    field_name,
    make_slug,
    parse_form,
    raw_entry,
)
from bot.desk.grouping import PendingReports
from bot.desk.rights import Actor, Rights
from bot.locale import Locale
from bot.matching.normalize import folded
from bot.replies import Paragraph, Reply, bold, italic, shorten
from bot.store.audit import AuditRecord
from bot.store.storage import Storage
from bot.store.values import utcnow

log = logging.getLogger(__name__)
# Seconds between two looks at the catalogue's version, with several processes on one database: an
# officer's edit in one is matched by the others within this (a one-row read each time).
FOLLOW_EVERY = 2.0

MAX_FOUND = 8

# Told after reports were linked to an entry (by /gan, 🔗 or ➕): the follow-ups to askers listen here.
LinkListener = Callable[[Sequence[int], str], Awaitable[None]]


def entry_data(rumor: Rumor) -> dict[str, Any]:
    """The entry in catalogue format with dates as ISO text: what the database and the audit hold."""
    data = rumor_to_dict(rumor)
    for key in ("published", "first_seen"):
        if key in data:
            data[key] = data[key].isoformat()
    data["sources"] = [
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in source.items()}
        for source in data["sources"]
    ]
    return data


def problem_field(problem: Problem) -> str:
    """The form's field a loader problem is about ('sources[0].url' -> 'source')."""
    name = problem.field.split("[")[0].split(".")[0]
    return {"sources": "source"}.get(name, name)


def changed_fields(record: AuditRecord) -> list[str]:
    """The fields an edit or a link changed, from its audit row's before and after."""
    before, after = record.before, record.after
    if record.action not in ("edit", "link") or not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in {*before, *after} if before.get(k) != after.get(k))


@dataclass(frozen=True)
class Saved:
    """What a save did: the reply, the entry as saved (None when refused or invalid), and the problems
    that kept it from being saved, each naming its field."""

    reply: Reply
    rumor: Rumor | None = None
    problems: tuple[Problem, ...] = ()


def validate(raw: Mapping[str, Any], label: str) -> tuple[Rumor | None, list[Problem]]:
    problems: list[Problem] = []
    rumor = parse_entry(raw, label, problems)
    return rumor, problems


class EntryDesk:
    """The officers' entries over the shipped catalogue, and the commands that change or show them."""

    def __init__(self, shipped: Catalogue, catalogue: Catalogue, storage: Storage,
                 publish: Callable[[Catalogue], None], rights: Rights, pending: PendingReports,
                 locale: Locale) -> None:
        self.shipped = shipped
        self.catalogue = catalogue
        self.storage = storage
        self.publish = publish
        self.rights = rights
        self.pending = pending
        self.locale = locale
        self.t = locale.t
        self.link_listeners: list[LinkListener] = []

    @staticmethod
    async def load_catalogue(shipped: Catalogue, storage: Storage) -> Catalogue:
        """The shipped catalogue with the officers' entries over it (theirs win by id)."""
        stored: list[Rumor] = []
        for entry in await storage.entries.all():
            rumor, problems = validate(entry.data, f"stored entry {entry.id!r}")
            if rumor is None:  # saved valid; only a later, stricter loader could refuse it
                log.error("skipping a stored entry: %s", "; ".join(map(str, problems)))
                continue
            stored.append(rumor)
        return merge_catalogues(shipped.rumors, stored)

    async def reload(self) -> None:
        self.catalogue = await self.load_catalogue(self.shipped, self.storage)
        self.publish(self.catalogue)

    async def follow(self, stop: asyncio.Event, every: float = FOLLOW_EVERY) -> None:
        """Until `stop` is set: when the catalogue's version in the database changed (an officer's edit in
        another process, an import), load it again, so that every process matches it within `every` s."""
        seen = await self.storage.entries.version()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            try:
                version = await self.storage.entries.version()
                if version != seen:
                    await self.reload()
                    log.info("catalogue changed in the database (version %d): %d published entries", version,
                             len(self.catalogue.published))
                    seen = version
            except Exception:  # the database refused this look: the next one tries again
                log.exception("could not look at the catalogue's version")

    # -- adding an entry ------------------------------------------------------------------------------
    def draft(self, fields: Mapping[str, str]) -> tuple[Rumor | None, list[Problem]]:
        """Validate a form's fields as the loader would, giving it an unused id if it has none."""
        fields = dict(fields)
        problems: list[Problem] = []
        rumor_id = fields.get("id", "").strip()
        if not rumor_id:
            fields["id"] = make_slug(fields.get("claim", ""), self.catalogue.by_id)
        elif rumor_id in self.catalogue.by_id:
            problems.append(Problem("", "id", self.t("officers.problem.id_taken", id=rumor_id)))
        elif len(rumor_id) > MAX_ID_LENGTH:
            problems.append(Problem("", "id", self.t("officers.problem.id_long", limit=MAX_ID_LENGTH)))
        rumor, loader_problems = validate(raw_entry(fields, utcnow().date()), "")
        problems.extend(loader_problems)
        return (rumor if not problems else None), problems

    async def add_from_form(self, actor: Actor, command: str, text: str, claim: str | None = None) -> Reply:
        """/them with a one-shot form; `claim` comes from the forwarded message it replies to."""
        refusal = await self.rights.guard(actor, command, text)
        if refusal is not None:
            return refusal
        form = parse_form(text)
        if claim and "claim" not in form.fields:
            form.fields["claim"] = claim
        if form.stray_lines:
            return self.problems_reply([Problem("", "", self.t("officers.problem.stray", line=shorten(line, 80)))
                                        for line in form.stray_lines])
        return await self.create(actor, form.fields)

    async def create(self, actor: Actor, fields: Mapping[str, str], report_id: int | None = None) -> Reply:
        """Save a new entry (validated whole, or nothing saved); a report it answers is linked with it."""
        return (await self.save_new(actor, fields, report_id)).reply

    async def save_new(self, actor: Actor, fields: Mapping[str, str], report_id: int | None = None) -> Saved:
        """`create`, telling a form what became of it: the entry saved, or every problem by field."""
        refusal = await self.rights.guard(actor, "create", fields.get("claim", ""))
        if refusal is not None:
            return Saved(refusal)
        rumor, problems = self.draft(fields)
        if rumor is None:
            return Saved(self.problems_reply(problems), problems=tuple(problems))
        linked: list[int] = []
        if report_id is not None:
            group = await self.pending.group_of(report_id)
            linked = group.report_ids if group is not None else []
        data = entry_data(rumor)
        await self.storage.entries.save(rumor.id, data, AuditRecord(
            actor.platform, actor.user_id, "create", chat_id=actor.chat_id, entry_id=rumor.id,
            report_id=report_id, after=data,
        ), link_reports=linked)
        await self.reload()
        await self.linked(linked, rumor.id)
        return Saved(self.entry_reply(rumor, self.t("officers.added", id=rumor.id)), rumor)

    async def linked(self, report_ids: Sequence[int], rumor_id: str) -> None:
        if not report_ids:
            return
        for listener in self.link_listeners:
            try:
                await listener(report_ids, rumor_id)
            except Exception:  # a failed follow-up must never undo or hide the officer's link
                log.exception("link listener failed for reports %s", list(report_ids))

    def problems_reply(self, problems: Sequence[Problem]) -> Reply:
        lines = [f"• {self.problem_text(p)}" for p in problems]
        return Reply((Paragraph.of(bold(self.t("officers.problems"))), Paragraph.of("\n".join(lines)),
                      Paragraph.of(self.t("officers.nothing_saved"))))

    def problem_text(self, problem: Problem) -> str:
        """A loader problem in the officer's words, naming the form's field."""
        name, message = problem_field(problem), self.problem_message(problem)
        return f"{name}: {message}" if name else message

    def problem_message(self, problem: Problem) -> str:
        """What is wrong, in the officer's words (the field aside)."""
        name = problem_field(problem)
        message = problem.message
        if message in ("is missing", "is empty"):
            message = self.t("officers.problem.missing")
        elif name == "verdict" and message.startswith("must be one of"):
            message = self.t("officers.problem.verdict")
        elif name == "source":
            message = self.t("officers.problem.source")
        elif name == "id" and message.startswith("must be a slug"):
            message = self.t("officers.problem.id")
        elif name == "published" and message.startswith("must be an ISO date"):
            message = self.t("officers.problem.date")
        return message

    # -- edit, retire, restore, show, find, history ------------------------------------------------
    async def edit(self, actor: Actor, command: str, args: str) -> Reply:
        """/sua <id> <field> <value>"""
        refusal = await self.rights.guard(actor, command, args)
        if refusal is not None:
            return refusal
        parts = args.split()
        if len(parts) < 3:
            return notice(self.locale, "officers.edit.usage", fields=", ".join(EDITABLE_FIELDS))
        rumor_id, words = parts[0], parts[1:]
        # a field name may be several words ("kết luận"): the longest one that names a field wins
        size = next((n for n in (3, 2, 1) if n < len(words) and field_name(" ".join(words[:n]))), 1)
        key, value = " ".join(words[:size]), " ".join(words[size:])
        name = field_name(key)
        if name not in EDITABLE_FIELDS:
            return notice(self.locale, "officers.edit.field", field=key, fields=", ".join(EDITABLE_FIELDS))
        rumor = self.catalogue.get(rumor_id)
        if rumor is None:
            return notice(self.locale, "officers.unknown_entry", id=rumor_id)
        return await self.change(actor, rumor, "edit", apply_edit(entry_data(rumor), name, value))

    async def change(self, actor: Actor, rumor: Rumor, action: str, raw: Mapping[str, Any],
                     report_ids: Sequence[int] = (), report_id: int | None = None) -> Reply:
        """Validate the changed entry, then store it over the old one with its audit row."""
        return (await self.save_change(actor, rumor, action, raw, report_ids, report_id)).reply

    async def save_change(self, actor: Actor, rumor: Rumor, action: str, raw: Mapping[str, Any],
                          report_ids: Sequence[int] = (), report_id: int | None = None) -> Saved:
        changed, problems = validate(raw, "")
        if changed is None:
            return Saved(self.problems_reply(problems), problems=tuple(problems))
        before, after = entry_data(rumor), entry_data(changed)
        await self.storage.entries.save(rumor.id, after, AuditRecord(
            actor.platform, actor.user_id, action, chat_id=actor.chat_id, entry_id=rumor.id,
            report_id=report_id, before=before, after=after,
        ), link_reports=report_ids)
        await self.reload()
        await self.linked(report_ids, rumor.id)
        return Saved(self.entry_reply(changed, self.t(f"officers.{action}.done", id=rumor.id)), changed)

    async def edit_form(self, actor: Actor, command: str, rumor_id: str, fields: Mapping[str, str]) -> Saved:
        """The web desk's edit: every field of a whole form at once, validated by the loader like /sua's
        one field (nothing saved while any problem is left)."""
        rumor = await self.guarded_entry(actor, command, rumor_id)
        if isinstance(rumor, Reply):
            return Saved(rumor)
        editable = {name: value for name, value in fields.items() if name in EDITABLE_FIELDS}
        return await self.save_change(actor, rumor, "edit", apply_fields(entry_data(rumor), editable))

    async def set_status(self, actor: Actor, command: str, rumor_id: str, retire: bool) -> Reply:
        """/xoa retires an entry (kept, never matched); /khoiphuc restores it."""
        rumor = await self.guarded_entry(actor, command, rumor_id)
        if isinstance(rumor, Reply):
            return rumor
        if rumor.is_published != retire:
            return notice(self.locale, "officers.retire.already" if retire else "officers.restore.already", id=rumor.id)
        raw = entry_data(rumor)
        raw["status"] = "retired" if retire else "published"
        return await self.change(actor, rumor, "retire" if retire else "restore", raw)

    async def show(self, actor: Actor, command: str, rumor_id: str) -> Reply:
        rumor = await self.guarded_entry(actor, command, rumor_id)
        return rumor if isinstance(rumor, Reply) else self.entry_reply(rumor)

    async def guarded_entry(self, actor: Actor, command: str, rumor_id: str) -> Rumor | Reply:
        """The entry an officer's command names, or the reply refusing it or saying it does not exist."""
        refusal = await self.rights.guard(actor, command, rumor_id)
        if refusal is not None:
            return refusal
        rumor = self.catalogue.get(rumor_id.strip())
        return rumor if rumor is not None else notice(self.locale, "officers.unknown_entry", id=rumor_id.strip() or "?")

    async def find(self, actor: Actor, command: str, words: str) -> Reply:
        """/tim: entries holding every word (accents ignored), else the closest by fuzzy score."""
        refusal = await self.rights.guard(actor, command, words)
        if refusal is not None:
            return refusal
        if not folded(words):
            return notice(self.locale, "officers.find.usage")
        found = self.search(words)
        if not found:
            return notice(self.locale, "officers.find.none", words=words.strip())
        lines = [self.entry_line(rumor) for rumor in found]
        return Reply((Paragraph.of(bold(self.t("officers.find.title", words=words.strip()))),
                      Paragraph.of("\n".join(lines))))

    def search(self, words: str, limit: int = MAX_FOUND) -> list[Rumor]:
        """Entries holding every word (accents ignored), else the closest by fuzzy score."""
        query = folded(words)
        if not query:
            return []
        views = {r.id: folded(" ".join((r.id.replace("-", " "), *r.texts, r.summary)))
                 for r in self.catalogue.rumors}
        wanted = query.split()
        found = [rid for rid, view in views.items() if all(w in view.split() for w in wanted)]
        if not found:
            scored = process.extract(query, views, scorer=fuzz.token_set_ratio, limit=limit, score_cutoff=60)
            found = [rid for _, _, rid in scored]
        return [self.catalogue.by_id[rid] for rid in found[:limit]]

    async def history(self, actor: Actor, command: str, rumor_id: str) -> Reply:
        """/lichsu: every recorded action on an entry, oldest first."""
        refusal = await self.rights.guard(actor, command, rumor_id)
        if refusal is not None:
            return refusal
        rumor_id = rumor_id.strip()
        rows = await self.storage.audit.for_entry(rumor_id)
        if not rows:
            key = "officers.history.shipped" if rumor_id in self.catalogue.by_id else "officers.unknown_entry"
            return notice(self.locale, key, id=rumor_id or "?")
        lines = []
        for row in rows:
            record = row.record
            detail = ", ".join(changed_fields(record))
            if record.report_id is not None:
                detail = f"{detail} · " if detail else ""
                detail += self.t("officers.history.report", id=record.report_id)
            line = self.t("officers.history.line", time=local_time(row.created_at), user=record.user_id,
                          action=self.t(f"officers.action.{record.action}"))
            lines.append(f"{line} — {detail}" if detail else line)
        return Reply((Paragraph.of(bold(self.t("officers.history.title", id=rumor_id))),
                      Paragraph.of("\n".join(lines))))

    def entry_line(self, rumor: Rumor) -> str:
        status = "" if rumor.is_published else f" [{self.t('officers.status.retired')}]"
        return f"• {rumor.id}{status} — {verdict_label(rumor.verdict, self.locale)} — {shorten(rumor.claim, 120)}"

    def entry_reply(self, rumor: Rumor, headline: str | None = None) -> Reply:
        t = self.t
        status = t("officers.status.published" if rumor.is_published else "officers.status.retired")
        where = t("officers.origin.stored" if rumor.id in self.stored_ids() else "officers.origin.shipped")
        paragraphs = [Paragraph.of(bold(headline))] if headline else []
        paragraphs += [
            Paragraph.of(bold(verdict_label(rumor.verdict, self.locale)), f" · {t('officers.id')} ", bold(rumor.id),
                         f" · {status} · {where}"),
            Paragraph.of(italic(t("match.claim_label")), shorten(rumor.claim, 1000)),
            Paragraph.of(bold(t("match.summary_label")), shorten(rumor.summary, 1500)),
            Paragraph.of(bold(t("match.sources_label"))),
            *source_paragraphs(rumor, self.locale),
        ]
        extras = [f"{t(f'officers.field.{name}')}: {', '.join(values)}"
                  for name, values in (("variants", rumor.variants), ("urls", rumor.urls), ("phones", rumor.phones))
                  if values]
        if rumor.published:
            extras.append(t("match.debunked_on", date=format_date(rumor.published, self.locale.language)))
        if extras:
            paragraphs.append(Paragraph.of(italic(shorten("\n".join(extras), 1500))))
        return Reply(tuple(paragraphs))

    def stored_ids(self) -> set[str]:
        shipped = self.shipped.by_id
        return {r.id for r in self.catalogue.rumors if shipped.get(r.id) != r}
