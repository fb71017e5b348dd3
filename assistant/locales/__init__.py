"""User-facing strings per locale (kk, ru, en), one JSON file each."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from assistant.core.schemas import LANGS, Lang

_DIR = Path(__file__).resolve().parent


@cache
def messages(lang: Lang) -> dict[str, Any]:
    """All strings of one locale, loaded once."""
    return json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def text(lang: Lang, key: str, **values: object) -> str:
    """The string at a dotted key (``refusal.off_topic``), formatted with ``values``."""
    node: Any = messages(lang)
    for part in key.split("."):
        node = node[part]
    return str(node).format(**values) if values else str(node)


def missing_keys() -> dict[Lang, list[str]]:
    """Keys some locale lacks that another one has (a test keeps this empty)."""

    def keys(node: Any, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        return {k for name, v in node.items() for k in keys(v, f"{prefix}{name}.")}

    every = {lang: keys(messages(lang)) for lang in LANGS}
    union = set().union(*every.values())
    return {lang: sorted(union - have) for lang, have in every.items() if union - have}
