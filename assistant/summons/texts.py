"""Notice templates, release grounds and reply texts as data (``data/*.yaml``), rendered for
SMS and e-mail (plain text) and Telegram (HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

DATA = Path(__file__).resolve().parent / "data"
LANGS = ("kk", "ru")
Lang = Literal["kk", "ru"]


@cache
def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def text(lang: str, key: str, **values: object) -> str:
    """The string at a dotted key of ``data/<lang>.yaml``; KeyError names a missing key."""
    node: Any = _load(f"{lang if lang in LANGS else 'kk'}.yaml")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{lang}: no summons text {key!r}")
        node = node[part]
    return str(node).format(**values) if values else str(node)


@dataclass(frozen=True)
class Ground:
    """A ground for release and the articles it rests on."""

    id: str
    refs: tuple[tuple[str, str], ...]


@cache
def grounds() -> tuple[Ground, ...]:
    return tuple(
        Ground(g["id"], tuple((r["act"], r["article"]) for r in g["refs"]))
        for g in _load("grounds.yaml")
    )


def ground_ids() -> tuple[str, ...]:
    return tuple(g.id for g in grounds())


def template_parts(template: str) -> list[str]:
    """The parts of a template; KeyError for an unknown one."""
    return list(_load("templates.yaml")[template])


@dataclass(frozen=True)
class Message:
    """A rendered notice: a title and paragraphs."""

    title: str
    paragraphs: tuple[str, ...]

    def plain(self) -> str:
        return "\n".join((self.title, *self.paragraphs))

    def html(self) -> str:
        body = "\n\n".join(html.escape(p, quote=False) for p in self.paragraphs)
        return f"<b>{html.escape(self.title, quote=False)}</b>\n\n{body}"


def render(template: str, lang: str, values: dict[str, object], bot: str | None) -> Message:
    """The message of ``template`` in ``lang``; the bot line only when the bot has a name."""
    parts = [p for p in template_parts(template) if p != "bot" or bot]
    filled = [text(lang, f"parts.{p}", **values, bot=bot or "") for p in parts]
    return Message(filled[0], tuple(filled[1:]))
