"""The officers' use cases: roles, the catalogue they edit in the chat, the review queue, the audit.

Officers' entries live in the database and win over the shipped YAML by id; every change is
validated by the catalogue loader's own `parse_entry`, saved with its audit row in one
transaction, and published to the matcher at once (no restart).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from bot.catalogue import (
    SLUG,
    Catalogue,
    Problem,
    Rumor,
    Verdict,
    merge_catalogues,
    parse_entry,
    rumor_to_dict,
)
from bot.checking import Answer, CheckRequest, ReportKind, format_date, source_paragraphs, verdict_label
from bot.config import Config
from bot.desk.forms import (
    EDITABLE_FIELDS,
    MAX_ID_LENGTH,
    apply_edit,
    field_name,
    make_slug,
    parse_form,
    raw_entry,
)
from bot.locale import Locale, get_locale
from bot.matching.matcher import Band, Matcher
from bot.matching.normalize import folded
from bot.replies import Button, Paragraph, Reply, Span, bold, italic, shorten
from bot.store.audit import AuditRecord
from bot.store.feedback import Dispute
from bot.store.reports import ReportRow
from bot.store.storage import Storage
from bot.store.values import utcnow

log = logging.getLogger(__name__)

# Config lists Telegram user ids; rights granted in the chat are stored per platform.
CONFIG_PLATFORM = "telegram"
# Two reports are one question when their folded texts score at least this on token_sort_ratio.
# Measured on ../shared/eval/dev (299 texts): no two texts about different rumors score above 73 —
# the closest are a rumor and the correction quoting it (73, 72, 71), which must never be grouped —
# while 15 of 24 "exact_forward" cases score ≥ 90 against the claim they forward (20 at ≥ 85). A
# wrong group hides a report behind another's answer; a missed one is only one more line: keep 90.
NEAR_DUPLICATE = 90.0
MAX_GROUP_VIEWS = 8  # wordings of a group a newcomer is compared with: bounds the queue's cost
NOTIFY_EVERY = dt.timedelta(hours=1)  # one notification per near-duplicate group per hour
PAGE_SIZE = 5
MAX_SUGGESTIONS = 3
MAX_FOUND = 8
MAX_VARIANT = 1000  # a linked report longer than this is not kept as a variant of the entry
ORIGIN_KINDS = frozenset({"user", "hidden_user", "chat", "channel"})  # forward origins with a wording
# Vietnam keeps UTC+7 all year; officers read times in it.
VIETNAM = dt.timezone(dt.timedelta(hours=7))

PAYLOAD_VERSION = "v1"
PAYLOAD_FEATURE = "of"
PAYLOAD_LIMIT = 64  # bytes, Telegram's limit for callback_data
# action -> patterns of its arguments
PAYLOAD_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "ln": (r"\d{1,12}", SLUG.pattern),  # link a report's group to an entry
    "sg": (r"\d{1,12}", r"\d{1,4}"),  # show a report's card with fresh suggestions (page 0: in place)
    "nw": (r"\d{1,12}",),  # make an entry from a report
    "dm": (r"\d{1,12}", r"\d{1,4}"),  # dismiss a report's group (page 0: pressed on its card)
    "pg": (r"\d{1,4}",),  # a page of the review queue
    "vd": ("|".join(v.value for v in Verdict),),  # the verdict, in the guided /them
    "ok": (),  # save the previewed entry
    "no": (),  # drop it
}


# Officers' text commands, Vietnamese and English, and the use case each runs. Telegram adds
# buttons and the guided /them on top; a platform without buttons (Zalo) has only these.
COMMAND_ACTIONS = {
    "them": "add", "add": "add", "sua": "edit", "edit": "edit", "xoa": "retire", "retire": "retire",
    "khoiphuc": "restore", "restore": "restore", "xem": "show", "show": "show", "tim": "find", "find": "find",
    "lichsu": "history", "history": "history", "baocao": "queue", "reports": "queue", "gan": "link",
    "link": "link", "boqua": "dismiss", "dismiss": "dismiss", "capquyen": "grant", "grant": "grant",
    "thuhoi": "revoke", "revoke": "revoke",
}

# Told after reports were linked to an entry (by /gan, 🔗 or ➕): the follow-ups to askers listen here.
LinkListener = Callable[[Sequence[int], str], Awaitable[None]]


class Role(StrEnum):
    OWNER = "owner"
    OFFICER = "officer"
    MEMBER = "member"


@dataclass(frozen=True)
class Actor:
    """Who asks: the platform's user and chat ids."""

    platform: str
    user_id: str
    chat_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Payload:
    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((PAYLOAD_VERSION, PAYLOAD_FEATURE, self.action, *self.args))
        if len(data.encode()) > PAYLOAD_LIMIT:
            raise ValueError(f"button payload over {PAYLOAD_LIMIT} bytes: {data!r}")
        return data


class PayloadError(StrEnum):
    STALE = "stale"  # ours, from another version
    INVALID = "invalid"  # not a payload we could have made


def parse_payload(data: str) -> Payload | PayloadError:
    parts = data.split(":")
    if len(parts) < 3 or parts[1] != PAYLOAD_FEATURE:
        return PayloadError.INVALID
    if parts[0] != PAYLOAD_VERSION:
        return PayloadError.STALE
    patterns = PAYLOAD_ACTIONS.get(parts[2])
    args = tuple(parts[3:])
    if patterns is None or len(args) != len(patterns) or len(data.encode()) > PAYLOAD_LIMIT:
        return PayloadError.INVALID
    if not all(re.fullmatch(p, a) for p, a in zip(patterns, args, strict=True)):
        return PayloadError.INVALID
    return Payload(parts[2], args)


def is_officer_payload(data: str) -> bool:
    parts = data.split(":", 2)
    return len(parts) >= 2 and parts[1] == PAYLOAD_FEATURE


@dataclass(frozen=True)
class Press:
    """What a button press does: a short answer on the button, and maybe a message.

    `replace` says the message replaces the one whose button was pressed; otherwise it is sent anew."""

    toast: str
    reply: Reply | None = None
    replace: bool = False


@dataclass
class ReportGroup:
    """Near-duplicate pending reports; the newest leads."""

    lead: ReportRow
    view: str
    members: list[ReportRow] = field(default_factory=list)
    views: list[str] = field(default_factory=list)  # the distinct folded texts a newcomer is compared with
    disputes: dict[int, Dispute] = field(default_factory=dict)  # members whose answer got a 👎 since review

    def takes(self, view: str) -> bool:
        return any(is_near_duplicate(view, known) for known in self.views)

    def add(self, report: ReportRow, view: str) -> None:
        self.members.append(report)
        if view not in self.views and len(self.views) < MAX_GROUP_VIEWS:
            self.views.append(view)

    @property
    def askers(self) -> int:
        return len({r.user_id or f"report-{r.id}" for r in self.members})

    @property
    def report_ids(self) -> list[int]:
        return [r.id for r in self.members]


@functools.lru_cache(maxsize=4096)
def report_view(text: str) -> str:
    """A report's folded text, remembered: the queue and every notification compare the same
    pending reports again and again, and normalising them each time cost most of the bot's time
    once hundreds were pending (bench/fuzz_updates.py, profiled)."""
    return folded(text)


def is_near_duplicate(a: str, b: str) -> bool:
    """Compare two folded texts."""
    return fuzz.token_sort_ratio(a, b) >= NEAR_DUPLICATE


def group_reports(reports: Sequence[ReportRow]) -> list[ReportGroup]:
    """Group reports (newest first): a report joins the first group holding a near-duplicate of it."""
    groups: list[ReportGroup] = []
    for report in reports:
        view = report_view(report.text)
        joined = [g for g in groups if g.takes(view)]
        if not joined:
            joined = [ReportGroup(report, view)]
            groups.append(joined[0])
        group = joined[0]
        for other in joined[1:]:  # the report bridges groups: one question after all
            for member in other.members:
                group.add(member, report_view(member.text))
            groups.remove(other)
        group.add(report, view)
    for group in groups:
        group.members.sort(key=lambda r: r.id, reverse=True)
    return groups


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


def validate(raw: Mapping[str, Any], label: str) -> tuple[Rumor | None, list[Problem]]:
    problems: list[Problem] = []
    rumor = parse_entry(raw, label, problems)
    return rumor, problems


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


class OfficerDesk:
    """Everything officers do, whatever the platform."""

    def __init__(self, config: Config, shipped: Catalogue, catalogue: Catalogue, storage: Storage,
                 matcher: Matcher, publish: Callable[[Catalogue], None]) -> None:
        self.config = config
        self.shipped = shipped
        self.catalogue = catalogue
        self.storage = storage
        self.matcher = matcher
        self.publish = publish
        self.locale: Locale = get_locale(config.language)
        self.link_listeners: list[LinkListener] = []

    # -- the catalogue -------------------------------------------------------------------------------
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

    def t(self, key: str, **values: Any) -> str:
        return self.locale.t(key, **values)

    def notice(self, key: str, **values: Any) -> Reply:
        return Reply((Paragraph.of(self.t(key, **values)),))

    # -- roles ---------------------------------------------------------------------------------------
    async def role_of(self, actor: Actor) -> Role:
        from_config = actor.platform == CONFIG_PLATFORM and actor.user_id.lstrip("-").isdigit()
        if from_config and int(actor.user_id) in self.config.owners:
            return Role.OWNER
        rights = await self.storage.rights.all(actor.platform)
        if actor.user_id in rights:
            return Role.OFFICER if rights[actor.user_id] else Role.MEMBER
        if from_config and int(actor.user_id) in self.config.officers:
            return Role.OFFICER
        if actor.platform == "zalo" and actor.user_id in self.config.zalo.officers:
            return Role.OFFICER
        return Role.MEMBER

    async def guard(self, actor: Actor, command: str, text: str = "", *, owners_only: bool = False) -> Reply | None:
        """None when `actor` may run `command`; else the refusal, with the attempt in the audit."""
        role = await self.role_of(actor)
        if role is Role.OWNER or (role is Role.OFFICER and not owners_only):
            return None
        await self.storage.audit.record(AuditRecord(
            actor.platform, actor.user_id, "refused", chat_id=actor.chat_id, target=command,
            after={"text": shorten(text, 300)} if text else None,
        ))
        log.info("refused %s to %s", command, actor.label)
        return self.notice("officers.refused.owner" if owners_only else "officers.refused")

    async def set_right(self, actor: Actor, command: str, target: str, granted: bool) -> Reply:
        """/capquyen and /thuhoi: an owner grants or revokes officer rights."""
        refusal = await self.guard(actor, command, target, owners_only=True)
        if refusal is not None:
            return refusal
        target = target.strip()
        if not target.lstrip("-").isdigit():
            return self.notice("officers.rights.usage", command=command)
        subject = Actor(actor.platform, target)
        before = await self.role_of(subject)
        if before is Role.OWNER:
            return self.notice("officers.rights.owner", user=target)
        await self.storage.rights.set(target, granted, AuditRecord(
            actor.platform, actor.user_id, "grant" if granted else "revoke", chat_id=actor.chat_id,
            target=target, before={"officer": before is Role.OFFICER}, after={"officer": granted},
        ))
        return self.notice("officers.rights.granted" if granted else "officers.rights.revoked", user=target)

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
        refusal = await self.guard(actor, command, text)
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
        refusal = await self.guard(actor, "create", fields.get("claim", ""))
        if refusal is not None:
            return refusal
        rumor, problems = self.draft(fields)
        if rumor is None:
            return self.problems_reply(problems)
        linked: list[int] = []
        if report_id is not None:
            group = await self.pending_group(report_id)
            linked = group.report_ids if group is not None else []
        data = entry_data(rumor)
        await self.storage.entries.save(rumor.id, data, AuditRecord(
            actor.platform, actor.user_id, "create", chat_id=actor.chat_id, entry_id=rumor.id,
            report_id=report_id, after=data,
        ), link_reports=linked)
        await self.reload()
        await self.linked(linked, rumor.id)
        return self.entry_reply(rumor, self.t("officers.added", id=rumor.id))

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
        name = problem.field.split("[")[0].split(".")[0]
        name = {"sources": "source"}.get(name, name)
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
        return f"{name}: {message}" if name else message

    # -- edit, retire, restore, show, find, history ------------------------------------------------
    async def edit(self, actor: Actor, command: str, args: str) -> Reply:
        """/sua <id> <field> <value>"""
        refusal = await self.guard(actor, command, args)
        if refusal is not None:
            return refusal
        parts = args.split()
        if len(parts) < 3:
            return self.notice("officers.edit.usage", fields=", ".join(EDITABLE_FIELDS))
        rumor_id, words = parts[0], parts[1:]
        # a field name may be several words ("kết luận"): the longest one that names a field wins
        size = next((n for n in (3, 2, 1) if n < len(words) and field_name(" ".join(words[:n]))), 1)
        key, value = " ".join(words[:size]), " ".join(words[size:])
        name = field_name(key)
        if name not in EDITABLE_FIELDS:
            return self.notice("officers.edit.field", field=key, fields=", ".join(EDITABLE_FIELDS))
        rumor = self.catalogue.get(rumor_id)
        if rumor is None:
            return self.notice("officers.unknown_entry", id=rumor_id)
        return await self.change(actor, rumor, "edit", apply_edit(entry_data(rumor), name, value))

    async def change(self, actor: Actor, rumor: Rumor, action: str, raw: Mapping[str, Any],
                     report_ids: Sequence[int] = (), report_id: int | None = None) -> Reply:
        """Validate the changed entry, then store it over the old one with its audit row."""
        changed, problems = validate(raw, "")
        if changed is None:
            return self.problems_reply(problems)
        before, after = entry_data(rumor), entry_data(changed)
        await self.storage.entries.save(rumor.id, after, AuditRecord(
            actor.platform, actor.user_id, action, chat_id=actor.chat_id, entry_id=rumor.id,
            report_id=report_id, before=before, after=after,
        ), link_reports=report_ids)
        await self.reload()
        await self.linked(report_ids, rumor.id)
        return self.entry_reply(changed, self.t(f"officers.{action}.done", id=rumor.id))

    async def set_status(self, actor: Actor, command: str, rumor_id: str, retire: bool) -> Reply:
        """/xoa retires an entry (kept, never matched); /khoiphuc restores it."""
        rumor = await self.guarded_entry(actor, command, rumor_id)
        if isinstance(rumor, Reply):
            return rumor
        if rumor.is_published != retire:
            return self.notice("officers.retire.already" if retire else "officers.restore.already", id=rumor.id)
        raw = entry_data(rumor)
        raw["status"] = "retired" if retire else "published"
        return await self.change(actor, rumor, "retire" if retire else "restore", raw)

    async def show(self, actor: Actor, command: str, rumor_id: str) -> Reply:
        rumor = await self.guarded_entry(actor, command, rumor_id)
        return rumor if isinstance(rumor, Reply) else self.entry_reply(rumor)

    async def guarded_entry(self, actor: Actor, command: str, rumor_id: str) -> Rumor | Reply:
        """The entry an officer's command names, or the reply refusing it or saying it does not exist."""
        refusal = await self.guard(actor, command, rumor_id)
        if refusal is not None:
            return refusal
        rumor = self.catalogue.get(rumor_id.strip())
        return rumor if rumor is not None else self.notice("officers.unknown_entry", id=rumor_id.strip() or "?")

    async def find(self, actor: Actor, command: str, words: str) -> Reply:
        """/tim: entries holding every word (accents ignored), else the closest by fuzzy score."""
        refusal = await self.guard(actor, command, words)
        if refusal is not None:
            return refusal
        query = folded(words)
        if not query:
            return self.notice("officers.find.usage")
        views = {r.id: folded(" ".join((r.id.replace("-", " "), *r.texts, r.summary)))
                 for r in self.catalogue.rumors}
        wanted = query.split()
        found = [rid for rid, view in views.items() if all(w in view.split() for w in wanted)]
        if not found:
            scored = process.extract(query, views, scorer=fuzz.token_set_ratio, limit=MAX_FOUND, score_cutoff=60)
            found = [rid for _, _, rid in scored]
        if not found:
            return self.notice("officers.find.none", words=words.strip())
        lines = [self.entry_line(self.catalogue.by_id[rid]) for rid in found[:MAX_FOUND]]
        return Reply((Paragraph.of(bold(self.t("officers.find.title", words=words.strip()))),
                      Paragraph.of("\n".join(lines))))

    async def history(self, actor: Actor, command: str, rumor_id: str) -> Reply:
        """/lichsu: every recorded action on an entry, oldest first."""
        refusal = await self.guard(actor, command, rumor_id)
        if refusal is not None:
            return refusal
        rumor_id = rumor_id.strip()
        rows = await self.storage.audit.for_entry(rumor_id)
        if not rows:
            key = "officers.history.shipped" if rumor_id in self.catalogue.by_id else "officers.unknown_entry"
            return self.notice(key, id=rumor_id or "?")
        lines = []
        for row in rows:
            record = row.record
            detail = ""
            if record.action in ("edit", "link") and isinstance(record.before, dict) and isinstance(record.after, dict):
                keys = sorted(k for k in {*record.before, *record.after} if record.before.get(k) != record.after.get(k))
                detail = ", ".join(keys)
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

    # -- the review queue -----------------------------------------------------------------------------
    async def pending_groups(self) -> list[ReportGroup]:
        reports = await self.storage.reviews.pending()
        groups = group_reports(reports)
        disputes = await self.storage.feedback.disputes([r.id for r in reports])
        for group in groups:
            group.disputes = {i: disputes[i] for i in group.report_ids if i in disputes}
        return groups

    async def near_duplicates_of(self, report_id: int) -> ReportGroup | None:
        """A pending report with its near-duplicates among the pending ones, in one pass.

        What a notification needs: the report's group without grouping the whole queue, whose cost
        grows with the square of the pending reports (with 1,000 pending, seconds of CPU for every
        new report, during which no one else is answered). Unlike the queue's grouping, a report
        that is near only to a near-duplicate, not to this one, is not pulled in."""
        pending = await self.storage.reviews.pending()
        if not any(r.id == report_id for r in pending):
            return None
        views = [report_view(r.text) for r in pending]
        at = next(i for i, r in enumerate(pending) if r.id == report_id)
        close = process.extract(views[at], views, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE,
                                limit=None)
        # an empty view (boilerplate only) is near nothing, not even itself
        indexes = {index for _, _, index in close} | {at}
        members = sorted((pending[index] for index in indexes), key=lambda r: r.id, reverse=True)
        group = ReportGroup(members[0], report_view(members[0].text))
        for member in members:
            group.add(member, report_view(member.text))
        return group

    async def pending_group(self, report_id: int) -> ReportGroup | None:
        for group in await self.pending_groups():
            if report_id in group.report_ids:
                return group
        return None

    async def queue(self, actor: Actor, command: str, page: int = 1, *, buttons: bool = True) -> Reply:
        """/baocao: pending reports, newest first, near-duplicates grouped, PAGE_SIZE groups a page;
        without buttons each item names the commands that act on it."""
        refusal = await self.guard(actor, command)
        if refusal is not None:
            return refusal
        return self.queue_page(await self.pending_groups(), page, buttons=buttons)

    def use_case(self, action: str, *, buttons: bool = True) -> Callable[[Actor, str, str], Awaitable[Reply]]:
        """The use case behind a text command: (actor, command as typed, text after it) -> reply."""
        cases: dict[str, Callable[[Actor, str, str], Awaitable[Reply]]] = {
            "add": self.add_from_form,
            "edit": self.edit,
            "retire": lambda a, n, t: self.set_status(a, n, t, retire=True),
            "restore": lambda a, n, t: self.set_status(a, n, t, retire=False),
            "show": self.show,
            "find": self.find,
            "history": self.history,
            "link": self.link_command,
            "dismiss": self.dismiss_command,
            "queue": lambda a, n, t: self.queue(a, n, int(t) if t.strip().isdigit() else 1, buttons=buttons),
            "grant": lambda a, n, t: self.set_right(a, n, t, granted=True),
            "revoke": lambda a, n, t: self.set_right(a, n, t, granted=False),
        }
        return cases[action]

    def queue_page(self, groups: Sequence[ReportGroup], page: int, *, buttons: bool = True) -> Reply:
        if not groups:
            return self.notice("officers.queue.empty")
        pages = (len(groups) + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page, 1), pages)
        shown = groups[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        paragraphs = [Paragraph.of(bold(self.t("officers.queue.title", page=page, pages=pages, groups=len(groups),
                                                  reports=sum(len(g.members) for g in groups))))]
        rows: list[tuple[Button, ...]] = []
        for number, group in enumerate(shown, start=(page - 1) * PAGE_SIZE + 1):
            lead = group.lead
            paragraphs.append(Paragraph.of(
                bold(f"{number}. "), *self.dispute_spans(group), f"«{shorten(lead.text, 200)}»\n",
                italic(self.t("officers.queue.meta", askers=group.askers, time=local_time(lead.created_at),
                              id=lead.id)),
                *(() if buttons else ("\n", self.t("officers.queue.commands", id=lead.id))),
            ))
            report, at_page = str(lead.id), str(page)
            rows.append((
                Button(f"{number}. {self.t('officers.button.link')}", Payload("sg", (report, at_page)).encode()),
                Button(f"{number}. {self.t('officers.button.new')}", Payload("nw", (report,)).encode()),
                Button(f"{number}. {self.t('officers.button.dismiss')}", Payload("dm", (report, at_page)).encode()),
            ))
        navigation = []
        if page > 1:
            navigation.append(Button("◀", Payload("pg", (str(page - 1),)).encode()))
        if page < pages:
            navigation.append(Button("▶", Payload("pg", (str(page + 1),)).encode()))
        if not buttons:
            if page < pages:
                paragraphs.append(Paragraph.of(self.t("officers.queue.next", page=page + 1)))
            return Reply(tuple(paragraphs))
        if navigation:
            rows.append(tuple(navigation))
        return Reply(tuple(paragraphs), tuple(rows))

    def dispute_spans(self, group: ReportGroup) -> list[str | Span]:
        """"Disputed" and what the disputed answer said, when someone pressed 👎 on it."""
        if not group.disputes:
            return []
        votes = sum(d.votes for d in group.disputes.values())
        shown = sorted({d.rumor_id for d in group.disputes.values() if d.rumor_id})
        return [bold(self.t("feedback.queue.disputed", votes=votes)), " ",
                self.t("feedback.queue.answered", ids=", ".join(shown) or "?"), "\n"]

    def report_card(self, group: ReportGroup, headline_key: str = "officers.card.title") -> Reply:
        """One group of reports with its buttons: link to a suggested entry, make one, dismiss."""
        t = self.t
        lead = group.lead
        paragraphs = [
            Paragraph.of(bold(t(headline_key, id=lead.id)), " · ", t("officers.card.askers", askers=group.askers)),
            *([Paragraph.of(*self.dispute_spans(group))] if group.disputes else []),
            Paragraph.of(italic(f"«{shorten(lead.text, 1200)}»")),
        ]
        meta = [t("officers.card.received", time=local_time(lead.created_at),
                  band=t(f"officers.band.{lead.band}"))]
        if lead.origin_kind:
            # a kind of origin Telegram adds later has no wording yet: say "elsewhere", not crash
            kind = lead.origin_kind if lead.origin_kind in ORIGIN_KINDS else "other"
            origin = t(f"officers.origin_kind.{kind}")
            if lead.origin_name:
                origin = f"{origin} «{lead.origin_name}»"
            if lead.origin_date:
                origin += " · " + t("officers.card.original_date",
                                    time=local_time(dt.datetime.fromisoformat(lead.origin_date)))
            meta.append(t("officers.card.origin", origin=origin))
        paragraphs.append(Paragraph.of("\n".join(meta)))
        buttons: list[tuple[Button, ...]] = []
        candidates = [c for c in self.matcher.match(lead.text).candidates if c.rumor.is_published]
        if candidates:
            paragraphs.append(Paragraph.of(bold(t("officers.card.suggestions"))))
            lines = []
            for number, candidate in enumerate(candidates[:MAX_SUGGESTIONS], start=1):
                rumor = candidate.rumor
                lines.append(f"{number}. {rumor.id} — {verdict_label(rumor.verdict, self.locale)} — "
                             f"{shorten(rumor.claim, 100)} ({candidate.score:.0f})")
                try:
                    payload = Payload("ln", (str(lead.id), rumor.id)).encode()
                except ValueError:  # an id too long for a button: /gan still links it
                    continue
                buttons.append((Button(f"🔗 {number}. {shorten(rumor.id, 40)}", payload),))
            paragraphs.append(Paragraph.of("\n".join(lines)))
        paragraphs.append(Paragraph.of(italic(t("officers.card.link_hint", id=lead.id))))
        buttons.append((
            Button(t("officers.button.refresh"), Payload("sg", (str(lead.id), "0")).encode()),
            Button(t("officers.button.new"), Payload("nw", (str(lead.id),)).encode()),
            Button(t("officers.button.dismiss"), Payload("dm", (str(lead.id), "0")).encode()),
        ))
        return Reply(tuple(paragraphs), tuple(buttons))

    async def notification_for(self, request: CheckRequest, answer: Answer) -> Reply | None:
        """The card to post in the officers' chat for a new pending report, or None: nothing to post,
        or its near-duplicate group was posted less than an hour ago."""
        if (self.config.officers_chat is None or answer.report_id is None or request.kind is not ReportKind.ASKED
                or answer.band is Band.MATCH):
            return None
        group = await self.near_duplicates_of(answer.report_id)
        if group is None:
            return None
        recent = await self.storage.reviews.notified_texts_since(utcnow() - NOTIFY_EVERY)
        if any(is_near_duplicate(group.view, report_view(text)) for text in recent):
            return None
        await self.storage.reviews.record_notification(answer.report_id, request.platform,
                                                       str(self.config.officers_chat))
        return self.report_card(group, "officers.card.new")

    async def link(self, actor: Actor, report_id: int, rumor_id: str) -> Press:
        """Link a report's group to an entry; its text becomes a variant, so the next forward matches."""
        refusal = await self.guard(actor, "link", f"{report_id} {rumor_id}")
        if refusal is not None:
            return Press(refusal.plain)
        group, problem = await self.reviewable(report_id)
        if group is None:
            return Press(problem)
        rumor = self.catalogue.get(rumor_id)
        if rumor is None or not rumor.is_published:
            return Press(self.t("officers.unknown_entry", id=rumor_id))
        raw = entry_data(rumor)
        text = " ".join(group.lead.text.split())
        if len(text) <= MAX_VARIANT and group.view not in {folded(t) for t in rumor.texts}:
            raw["variants"] = [*raw.get("variants", []), text]
        reply = await self.change(actor, rumor, "link", raw, report_ids=group.report_ids, report_id=report_id)
        done = self.t("officers.linked", count=len(group.members), id=rumor.id)
        return Press(done, Reply((Paragraph.of(bold(done)), *reply.paragraphs[1:])), replace=True)

    async def link_command(self, actor: Actor, command: str, args: str) -> Reply:
        """/gan <report> <id>: link to any entry, found with /tim."""
        refusal = await self.guard(actor, command, args)
        if refusal is not None:
            return refusal
        parts = args.split()
        if len(parts) != 2 or not parts[0].lstrip("#").isdigit():
            return self.notice("officers.link.usage")
        press = await self.link(actor, int(parts[0].lstrip("#")), parts[1])
        return press.reply or Reply((Paragraph.of(press.toast),))

    async def dismiss(self, actor: Actor, report_id: int, page: int) -> Press:
        refusal = await self.guard(actor, "dismiss", str(report_id))
        if refusal is not None:
            return Press(refusal.plain)
        group, problem = await self.reviewable(report_id)
        if group is None:
            return Press(problem)
        await self.storage.reviews.review(group.report_ids, "dismissed", None, AuditRecord(
            actor.platform, actor.user_id, "dismiss", chat_id=actor.chat_id, report_id=report_id,
            after={"reports": group.report_ids, "text": shorten(group.lead.text, 300)},
        ))
        done = self.t("officers.dismissed", count=len(group.members))
        if page:
            return Press(done, self.queue_page(await self.pending_groups(), page), replace=True)
        quote = Paragraph.of(italic(f"«{shorten(group.lead.text, 300)}»"))
        return Press(done, Reply((Paragraph.of(bold(done)), quote)), replace=True)

    async def dismiss_command(self, actor: Actor, command: str, args: str) -> Reply:
        """/boqua <report>: dismiss a report's group without a button."""
        refusal = await self.guard(actor, command, args)
        if refusal is not None:
            return refusal
        report = args.strip().lstrip("#")
        if not report.isdigit():
            return self.notice("officers.dismiss.usage")
        press = await self.dismiss(actor, int(report), 0)
        return press.reply or Reply((Paragraph.of(press.toast),))

    async def reviewable(self, report_id: int) -> tuple[ReportGroup | None, str]:
        """The pending group of a report, or why there is none (unknown, or already handled)."""
        group = await self.pending_group(report_id)
        if group is not None:
            return group, ""
        if await self.storage.reports.get(report_id) is None:
            return None, self.t("officers.press.unknown_report")
        review = await self.storage.reviews.of(report_id)
        if review is None:
            return None, self.t("officers.press.not_pending")
        return None, self.t("officers.press.handled", by=review.reviewed_by.split(":")[-1],
                            time=local_time(review.reviewed_at))

    async def press(self, actor: Actor, data: str) -> Press:
        """A button press outside the guided /them: validated, authorised, then done."""
        payload = parse_payload(data)
        if not isinstance(payload, Payload):  # stale or forged: refused, and recorded like any refusal
            await self.storage.audit.record_refusal(actor.platform, actor.chat_id, actor.user_id,
                                              f"button ({payload.value})", shorten(data, 64))
            return Press(self.t("officers.press.stale" if payload is PayloadError.STALE else "officers.press.invalid"))
        refusal = await self.guard(actor, f"button {payload.action}", data)
        if refusal is not None:
            return Press(refusal.plain)
        if payload.action == "ln":
            return await self.link(actor, int(payload.args[0]), payload.args[1])
        if payload.action == "dm":
            return await self.dismiss(actor, int(payload.args[0]), int(payload.args[1]))
        if payload.action == "pg":
            return Press("", self.queue_page(await self.pending_groups(), int(payload.args[0])), replace=True)
        if payload.action == "sg":
            group, problem = await self.reviewable(int(payload.args[0]))
            if group is None:
                return Press(problem)
            return Press("", self.report_card(group), replace=payload.args[1] == "0")
        # vd, ok, no and nw belong to a guided /them that is no longer open
        return Press(self.t("officers.press.expired"))

    async def report_claim(self, actor: Actor, report_id: int) -> tuple[str | None, str]:
        """The text of a pending report to start an entry from, or why not."""
        refusal = await self.guard(actor, "create from report", str(report_id))
        if refusal is not None:
            return None, refusal.plain
        group, problem = await self.reviewable(report_id)
        return (group.lead.text, "") if group is not None else (None, problem)
