"""The draw by lot, repeatable by anyone holding the list and the seed.

The list is sorted canonically (by IIN), then shuffled by Fisher–Yates where the j-th swap
index comes from SHA-256(seed ‖ ":" ‖ i ‖ ":" ‖ k) read as an integer, rejection-sampled to
be uniform; the first ``size`` IINs are drawn. Nothing here depends on Python's ``random``,
so the algorithm can be re-implemented from this docstring (docs/summons.md).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

SEED_BYTES = 32


def new_seed() -> str:
    """A fresh seed from the operating system's CSPRNG, as hex."""
    return secrets.token_hex(SEED_BYTES)


def canonical(iins: Sequence[str]) -> list[str]:
    return sorted(iins)


def list_digest(iins: Sequence[str]) -> str:
    """SHA-256 of the canonical list (one IIN a line): identifies the list without holding it."""
    return hashlib.sha256("\n".join(canonical(iins)).encode()).hexdigest()


def _below(seed: str, i: int, bound: int) -> int:
    """A uniform integer in [0, bound) from the seed and the step."""
    limit = (1 << 256) - (1 << 256) % bound
    k = 0
    while True:
        value = int.from_bytes(hashlib.sha256(f"{seed}:{i}:{k}".encode()).digest(), "big")
        if value < limit:
            return value % bound
        k += 1


def shuffled(iins: Sequence[str], seed: str) -> list[str]:
    """The canonical list in the order the seed gives."""
    order = canonical(iins)
    for i in range(len(order) - 1, 0, -1):
        j = _below(seed, i, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def draw(iins: Sequence[str], seed: str, size: int) -> list[str]:
    """The first ``size`` IINs of the seeded order."""
    if size > len(iins):
        raise ValueError(f"cannot draw {size} from a list of {len(iins)}")
    return shuffled(iins, seed)[:size]
