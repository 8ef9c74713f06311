"""The core, assembled: configuration, catalogue, matcher, storage and the check use case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalogue import Catalogue, Rumor, load_catalogue
from bot.checking import Checker
from bot.config import Config
from bot.fuzzy_matcher import FuzzyMatcher
from bot.groups import GroupWatch
from bot.matching import Matcher, Thresholds
from bot.storage import Storage


def build_matcher(rumors: Sequence[Rumor], thresholds: Thresholds) -> Matcher:
    """The one place that decides which matcher the bot uses."""
    return FuzzyMatcher(rumors, thresholds)


@dataclass
class Core:
    config: Config
    catalogue: Catalogue
    matcher: Matcher
    checker: Checker
    storage: Storage | None
    groups: GroupWatch | None = None  # needs storage: settings and the warning history live there

    @classmethod
    async def open(cls, config: Config, *, with_storage: bool = True) -> Core:
        """Load the catalogue (raising CatalogueError on any problem) and open the database."""
        catalogue = load_catalogue(config.catalogue)
        matcher = build_matcher(catalogue.published, config.thresholds)
        storage = await Storage.open(config.database) if with_storage else None
        groups = GroupWatch(matcher, storage, config.groups, config.language) if storage is not None else None
        return cls(config, catalogue, matcher, Checker(matcher, storage, config.language), storage, groups)

    async def close(self) -> None:
        if self.storage is not None:
            await self.storage.close()
