"""User-facing texts from ``bot/locales/<lang>.yaml``, looked up by dotted key."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.schemas import Lang

LOCALES_DIR = Path(__file__).with_name("locales")
LANGS: tuple[Lang, ...] = ("kk", "ru")


class Texts:
    """One locale's strings. Values may hold Telegram HTML; placeholders are ``{name}``."""

    def __init__(self, lang: Lang, tree: Mapping[str, Any]) -> None:
        self.lang = lang
        self._tree = tree

    def __call__(self, key: str, **values: object) -> str:
        """The string at ``key`` with placeholders filled; KeyError names a missing key."""
        node: Any = self._tree
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise KeyError(f"{self.lang}: no text {key!r}")
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(f"{self.lang}: {key!r} is not a text")
        return node.format(**values) if values else node

    def has(self, key: str) -> bool:
        try:
            self(key)
        except KeyError:
            return False
        return True

    def names(self) -> Iterator[str]:
        """Every dotted key that holds a text."""

        def walk(node: Mapping[str, Any], prefix: str) -> Iterator[str]:
            for name, value in node.items():
                key = f"{prefix}{name}"
                if isinstance(value, Mapping):
                    yield from walk(value, key + ".")
                else:
                    yield key

        return walk(self._tree, "")

    def placeholders(self, key: str) -> set[str]:
        """The ``{name}`` fields a text expects."""
        return {f for _, f, _, _ in string.Formatter().parse(self(key)) if f}


@cache
def texts(lang: Lang) -> Texts:
    """The texts of a locale (read once)."""
    path = LOCALES_DIR / f"{lang}.yaml"
    return Texts(lang, yaml.safe_load(path.read_text(encoding="utf-8")))
