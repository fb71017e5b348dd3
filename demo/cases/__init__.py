"""Synthetic court acts: the generator, its fact patterns and wording, and the corpus writer.

The names are loaded on first use, so that `alqabi --help` (which imports ``demo.cases.cli``)
does not import the generator and its patterns.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "generate_cases": "demo.cases.generator",
    "write_cases_jsonl": "demo.cases.generator",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'demo.cases' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
