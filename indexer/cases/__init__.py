"""Court acts: the synthetic generator, the extractor for real acts and JSONL loading.

The names are loaded on first use, so that `alqabi --help` (which imports ``indexer.cases.cli``)
does not import the generator and the extractor.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "extract_act": "indexer.cases.extract",
    "load_cases_jsonl": "indexer.cases.extract",
    "generate_cases": "indexer.cases.generator",
    "write_cases_jsonl": "indexer.cases.generator",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'indexer.cases' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
