"""`kiemchung`: the command line. Every subcommand that touches data takes --config FILE."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from bot.catalogue import CatalogueError, Problem, load_catalogue
from bot.checking import ChatType, Checker, CheckRequest
from bot.config import TELEGRAM_SECRET_ENV, TOKEN_ENV, ZALO_SECRET_ENV, ZALO_TOKEN_ENV, Config, ConfigError, load_config
from bot.core import Core, build_matcher
from bot.desk.clock import VIETNAM
from bot.desk.exports import ExportFormat, export_catalogue, import_catalogue, plan_import, reports_csv
from bot.images.check import ImageChecker
from bot.logs import RedactingFormatter, setup_logging
from bot.matching.evaluation import (
    BASELINE_THRESHOLDS,
    BaselineMatcher,
    CasesError,
    describe_misses,
    evaluate,
    format_reports,
    load_cases,
    shortfalls,
)
from bot.matching.matcher import Band
from bot.matching.semantic import SemanticUnavailable
from bot.signs.reader import SignReader
from bot.store.connection import DatabaseUnavailable, backup
from bot.store.postgres import PASSWORD_ENV, postgres_url
from bot.store.storage import Storage
from bot.store.transfer import TransferRefused, copy_database, prepare
from handlers.blocklist_fetch import MAX_BYTES, TIMEOUT_SECONDS, FetchError, fetch_domain_list
from handlers.image_cli import ImageCases, check_image_file, image_checker, print_jsonl_image
from handlers.plain_text import render_plain
from handlers.startup import StartupError

log = logging.getLogger("kiemchung")
# redacted even before the config loads, and whatever the config says (migrate-db's password)
SECRET_ENVS = (TOKEN_ENV, TELEGRAM_SECRET_ENV, ZALO_TOKEN_ENV, ZALO_SECRET_ENV, PASSWORD_ENV)


# What a person got wrong (a file, a key, a missing extra), named on one line; exit code 2.
INPUT_ERRORS: dict[type[Exception], str] = {
    ConfigError: "config error", CatalogueError: "catalogue error", CasesError: "cases error",
    SemanticUnavailable: "error",
}


def add_semantic(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--semantic", action="store_true",
                        help="add the semantic signal for retellings (needs: pip install 'kiemchung[semantic]')")


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="config file (default: ./config.yaml if present, else built-in defaults)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiemchung", description="Kiểm Chứng — fact-check bot")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot on every platform with a token; without one, the local console")
    add_config(run)

    console = sub.add_parser("console", help="paste messages and see the answers the bot would send")
    add_config(console)
    console.add_argument("--officer", action="store_true",
                         help="rehearse the officers' commands (/baocao, /them, /sua, /gan …) on the same database")

    backup = sub.add_parser("backup", help="copy the database consistently while the bot runs (SQLite backup API)")
    add_config(backup)
    backup.add_argument("file", type=Path, help="the copy to write (replaced only once it passed integrity_check)")

    check = sub.add_parser("check", help="check one text, or JSON Lines from stdin with --jsonl")
    add_config(check)
    check.add_argument("text", nargs="?", help="the message to check")
    check.add_argument("--rumors", type=Path, help="match against this catalogue file instead")
    add_semantic(check)
    check.add_argument("--jsonl", action="store_true",
                       help='read {"id", "text"} or {"id", "image"[, "text"]} lines on stdin, '
                            'write {"id", "match", "score", "band"} lines')
    check.add_argument("--image", type=Path, help="check this image (screenshot, photo); the text is its caption")

    evaluate = sub.add_parser("eval", help="measure the matcher (and the naive baseline) on a cases file")
    add_config(evaluate)
    evaluate.add_argument("--rumors", type=Path, help="catalogue file (default: the configured one)")
    evaluate.add_argument("--cases", type=Path, required=True, help="cases file (see ../shared/catalogue-format.md)")
    evaluate.add_argument("--misses", action="store_true", help="also list every case not answered right")
    add_semantic(evaluate)

    validate = sub.add_parser("validate", help="validate a catalogue file")
    add_config(validate)
    validate.add_argument("file", nargs="?", type=Path, help="catalogue file (default: the configured one)")

    export = sub.add_parser("export", help="write the merged catalogue (shipped + officers' entries)")
    add_config(export)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.YAML.value,
                        help="yaml (the shipped file's format), csv, or claimreview (schema.org JSON-LD)")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")

    reports = sub.add_parser("reports", help="write the report log as CSV (without user ids)")
    add_config(reports)
    reports.add_argument("--since", type=parse_since, help="first day (YYYY-MM-DD, Vietnam time); default: all")
    reports.add_argument("--format", choices=["csv"], default="csv")
    reports.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")

    importing = sub.add_parser("import", help="validate a catalogue file and merge it into the database")
    add_config(importing)
    importing.add_argument("file", type=Path, help="catalogue file (format: data/known_rumors.yaml)")
    importing.add_argument("--dry-run", action="store_true", help="validate and tell what would change; save nothing")

    migrate_db = sub.add_parser("migrate-db", help="copy an SQLite database into PostgreSQL, counts checked")
    add_config(migrate_db)
    migrate_db.add_argument("sqlite_file", type=Path, help="the SQLite database to copy (read only)")
    migrate_db.add_argument("postgres_url", help="postgresql://user@host[:port]/db, empty; the password from "
                            "KIEMCHUNG_DATABASE_PASSWORD or ~/.pgpass")
    blocklist = sub.add_parser("blocklist", help="scam-domain lists (indicators.scam_domain_lists)")
    blocklist_sub = blocklist.add_subparsers(dest="blocklist_command", required=True)
    fetch = blocklist_sub.add_parser("fetch", help="download a public list and replace FILE with it if it is one")
    add_config(fetch)
    fetch.add_argument("url", help="the list's http(s) URL (one domain a line, or a hosts file)")
    fetch.add_argument("--output", "-o", type=Path, required=True, help="the file to replace (kept on any failure)")
    fetch.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds (default %(default)g)")
    fetch.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="size cap (default %(default)d)")
    return parser


def parse_since(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
    return dt.datetime.combine(day, dt.time(), VIETNAM)


def write_out(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text.removeprefix("\ufeff"))  # a byte-order mark only belongs in a file
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{output}: written", file=sys.stderr)


async def command_export(config: Config, form: ExportFormat, output: Path | None) -> int:
    core = await Core.open(config)
    try:
        write_out(export_catalogue(core.catalogue, form), output)
    finally:
        await core.close()
    return 0


async def command_reports(config: Config, since: dt.datetime | None, output: Path | None) -> int:
    storage = await Storage.open(config.database)
    try:
        write_out(reports_csv(await storage.reports.log(since)), output)
    finally:
        await storage.close()
    return 0


async def command_import(config: Config, file: Path, dry_run: bool) -> int:
    incoming = load_catalogue(file)  # every problem named, before anything is opened or saved
    core = await Core.open(config)
    try:
        assert core.storage is not None
        if dry_run:
            plan = plan_import(core.catalogue, incoming)
        else:
            plan = await import_catalogue(core.storage, core.catalogue, incoming, "cli", getpass.getuser(),
                                          str(file))
    finally:
        await core.close()
    verb = "would import" if dry_run else "imported"
    print(f"{file}: {verb} {len(plan.new)} new, {len(plan.changed)} changed; {len(plan.unchanged)} unchanged")
    for label, rumors in (("new", plan.new), ("changed", plan.changed)):
        for rumor in rumors:
            print(f"  {label}: {rumor.id}")
    return 0


def checker_for(config: Config, rumors_file: Path | None) -> Checker:
    """A checker that logs nothing: `check` measures, it does not report."""
    return checker_and_images(config, rumors_file)[0]


def checker_and_images(config: Config, rumors_file: Path | None, with_images: bool = False,
                       ) -> tuple[Checker, ImageChecker | None]:
    catalogue = load_catalogue(rumors_file or config.catalogue)
    signs = SignReader.open(config.indicators.scam_domain_lists, config.signs.threshold)
    checker = Checker(build_matcher(catalogue.published, config.thresholds, config.semantic), None,
                      config.language, signs)
    images = image_checker(checker, catalogue, rumors_file or config.catalogue) if with_images else None
    return checker, images


def command_check(config: Config, args: argparse.Namespace) -> int:
    checker, images = checker_and_images(config, args.rumors, with_images=args.jsonl or args.image is not None)
    try:
        return asyncio.run(run_check(checker, images, args))
    finally:
        if images is not None:
            images.close()


async def run_check(checker: Checker, images: ImageChecker | None, args: argparse.Namespace) -> int:
    if args.image is not None and images is not None:
        return await check_image_file(images, args.image, args.text or "")
    if args.jsonl:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item: Any = json.loads(line)
                if not isinstance(item, dict) or not (isinstance(item.get("text"), str)
                                                      or isinstance(item.get("image"), str)):
                    raise ValueError('expected an object with a "text" or an "image" string')
            except ValueError as exc:
                print(f"stdin line {number}: {exc}", file=sys.stderr)
                return 2
            if isinstance(item.get("image"), str) and images is not None:
                print_jsonl_image(images, item)
                continue
            result, reading = checker.decide(item["text"])
            rumor = result.rumor if result.band in (Band.MATCH, Band.POSSIBLE) else None
            print(json.dumps({"id": item.get("id"), "match": rumor.id if rumor else None,
                              "score": round(result.score, 1), "band": result.band.value,
                              "signs": list(reading.names) if reading is not None else []},
                             ensure_ascii=False), flush=True)
        return 0
    text = args.text if args.text is not None else sys.stdin.read()
    request = CheckRequest(platform="cli", chat_id="cli", chat_type=ChatType.PRIVATE, text=text)
    answer = await checker.check(request)
    print(render_plain(answer.reply))
    if answer.signs is not None and answer.signs.signs:
        print(f"\n[signs] {answer.signs.explain()}", file=sys.stderr)
    best = answer.result.best
    if best is not None:
        evidence = "; ".join(str(e) for e in best.evidence)
        print(f"\n[{answer.band.value}] {best.rumor.id} {best.score:.1f} — {evidence}", file=sys.stderr)
    return 0


async def command_console(config: Config, officer: bool = False) -> int:
    from handlers.console import run_console

    core = await Core.open(config)
    try:
        return await run_console(core, officer=officer)
    finally:
        await core.close()


def command_migrate_db(source: Path, url: str) -> int:
    """Copy `source` into the PostgreSQL database at `url` (bot/store/transfer.py); the counts per table."""
    try:
        target = postgres_url(url, os.environ)
    except ValueError as exc:
        print(f"migrate-db: {url.split('@')[-1]}: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(prepare(source, target))
        counts = copy_database(source, target)
    except TransferRefused as exc:
        print(f"migrate-db: {exc}", file=sys.stderr)
        return 1
    except psycopg.Error as exc:  # the server refused a statement: nothing was kept
        print(f"migrate-db: {target}: {str(exc).strip().splitlines()[0]}; nothing was kept", file=sys.stderr)
        return 1
    for count in counts:
        print(f"{count.table:24} {count.source:>9} in {source.name}  {count.copied:>9} in PostgreSQL")
    print(f"migrate-db: {sum(c.copied for c in counts)} rows of {len(counts)} tables copied into {target}; "
          f"every count matches")
    return 0


def command_backup(config: Config, file: Path) -> int:
    if not isinstance(config.database, Path):  # the server's own tools copy it consistently
        print(f"backup: {config.database} is a PostgreSQL database: copy it with pg_dump (or the server's "
              "own backups); kiemchung backup copies an SQLite file", file=sys.stderr)
        return 1
    try:
        done = backup(config.database, file)
    except OSError as exc:
        print(f"backup: {file} cannot be written: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if done.integrity != "ok":
        print(f"backup: the copy failed its integrity check ({done.integrity}); kept as {done.path}", file=sys.stderr)
        return 1
    print(f"{file}: backup of {config.database} written ({done.pages} pages, integrity ok)")
    return 0


def command_run(config: Config) -> int:
    if not config.telegram.token and not config.zalo.token:
        print("No TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN (nor a token in the config): starting the local console.",
              file=sys.stderr)
        return asyncio.run(command_console(config))
    from handlers.runner import serve

    asyncio.run(serve(config))
    return 0


def command_eval(config: Config, args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.rumors or config.catalogue)
    cases = load_cases(args.cases)
    matcher = build_matcher(catalogue.published, config.thresholds, config.semantic)
    if any(case.image is not None for case in cases):  # image cases: OCR and hashes, then the same matcher
        checker = Checker(matcher, None, config.language,
                          SignReader.open(config.indicators.scam_domain_lists, config.signs.threshold))
        images = image_checker(checker, catalogue, args.rumors or config.catalogue)
        image_cases = ImageCases(images, BaselineMatcher(catalogue.published))
        ours = evaluate(matcher, cases, image_cases.ours)
        baseline = evaluate(matcher, cases, image_cases.naive)
        images.close()
    else:
        ours = evaluate(matcher, cases)
        baseline = evaluate(BaselineMatcher(catalogue.published), cases)
    print(f"{len(cases)} cases, {len(catalogue.published)} entries, thresholds match "
          f"{config.thresholds.match:g} / possible {config.thresholds.possible:g} "
          f"(baseline {BASELINE_THRESHOLDS.match:g} / {BASELINE_THRESHOLDS.possible:g})"
          + (f", semantic signal on (threshold {config.semantic.threshold:g})" if config.semantic.enabled else "")
          + "\n")
    print(format_reports(ours, baseline))
    missed = shortfalls(ours)
    print("\ntargets: " + ("all met" if not missed else "; ".join(missed)))
    if not config.semantic.enabled and any(line.startswith("paraphrase") for line in missed):
        print("(paraphrases are what the optional semantic signal is for: add --semantic, "
              "after pip install 'kiemchung[semantic]')")
    if args.misses:
        print("\n" + describe_misses(ours))
    return 0


def command_blocklist_fetch(args: argparse.Namespace) -> int:
    """One line on success, one line on failure (exit status 1), the old file kept on failure."""
    try:
        fetched = fetch_domain_list(args.url, args.output, timeout=args.timeout, max_bytes=args.max_bytes)
    except FetchError as exc:
        print(f"blocklist fetch: {exc}; {args.output} left as it was", file=sys.stderr)
        return 1
    skipped = f" ({fetched.parsed.bad_lines} lines skipped)" if fetched.parsed.bad_lines else ""
    print(f"wrote {len(fetched.parsed.domains)} domains to {args.output}{skipped}")
    return 0


def command_validate(config: Config, file: Path | None) -> int:
    path = file or config.catalogue
    catalogue = load_catalogue(path)
    retired = len(catalogue.rumors) - len(catalogue.published)
    if not catalogue.published:
        raise CatalogueError(str(path), [Problem("rumors", "", f"no published entry ({retired} retired): "
                                                  "the bot could answer nothing")])
    print(f"{path}: ok, {len(catalogue.published)} published entries, {retired} retired")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    secrets: tuple[str, ...] = tuple(os.environ.get(name, "") for name in SECRET_ENVS)
    try:
        config = load_config(args.config)
        secrets = (*config.secrets, *(s for s in secrets if s))
        if getattr(args, "semantic", False):
            config = dataclasses.replace(config, semantic=dataclasses.replace(config.semantic, enabled=True))
        setup_logging(config.log_level, secrets)
        return run_command(config, args)
    except tuple(INPUT_ERRORS) as exc:
        say(f"{INPUT_ERRORS[type(exc)]}: {exc}", secrets)
        return 2
    except (StartupError, DatabaseUnavailable) as exc:  # known, and worded as one line
        say(str(exc), secrets)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # unknown: its traceback through the logging set-up, which redacts every secret
        setup_logging("ERROR", secrets)
        log.critical("kiemchung stopped on an unexpected error", exc_info=True)
        return 1


def say(line: str, secrets: Sequence[str]) -> None:
    """A one-line error on stderr, redacted like every log line."""
    print(RedactingFormatter("%(message)s", secrets).redact(line), file=sys.stderr)


def run_command(config: Config, args: argparse.Namespace) -> int:
    if args.command == "run":
        return command_run(config)
    if args.command == "console":
        return asyncio.run(command_console(config, args.officer))
    if args.command == "backup":
        return command_backup(config, args.file)
    if args.command == "check":
        return command_check(config, args)
    if args.command == "eval":
        return command_eval(config, args)
    if args.command == "validate":
        return command_validate(config, args.file)
    if args.command == "export":
        return asyncio.run(command_export(config, ExportFormat(args.format), args.output))
    if args.command == "reports":
        return asyncio.run(command_reports(config, args.since, args.output))
    if args.command == "import":
        return asyncio.run(command_import(config, args.file, args.dry_run))
    if args.command == "blocklist":
        return command_blocklist_fetch(args)
    if args.command == "migrate-db":
        return command_migrate_db(args.sqlite_file, args.postgres_url)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
