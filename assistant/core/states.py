"""Which state a text is about, hidden: names, demonyms, capitals, large cities and currencies of
the Council of Europe's member states (a data file, data/coe_states.json) become one token.

An outcome estimate must not lean on the respondent state (the ECtHR benchmark's violation rate
runs from 65 % to 90 % by state), any more than on a region or a court.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

STATES_FILE = Path(__file__).with_name("data") / "coe_states.json"
STATE_TOKEN = "[STATE]"
_FIELDS = ("names", "adjectives", "places", "currency")


class State(BaseModel):
    """How English texts name one state and what is telling of it."""

    code: str
    names: list[str]
    adjectives: list[str]
    places: list[str]
    currency: list[str]

    def terms(self) -> list[str]:
        return [t for field in _FIELDS for t in getattr(self, field)]


@lru_cache(maxsize=1)
def states() -> dict[str, State]:
    """The states of the data file by code."""
    data = json.loads(STATES_FILE.read_text(encoding="utf-8"))
    return {s["code"]: State.model_validate(s) for s in data["states"]}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    terms = sorted({t for s in states().values() for t in s.terms()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    # Whole words only, bounded by anything but a letter: the ECtHR texts glue paragraph
    # numbers to words ("in Warsaw.13. On", "Poland8."); "'s" and a plural "s" go with the term.
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?:s|'s|’s)?(?![^\W\d_])")


def mask_states(text: str) -> str:
    """``text`` with every mention of a state, its people, places or currency as ``[STATE]``."""
    return _pattern().sub(STATE_TOKEN, text)


def mentions(text: str) -> list[str]:
    """The state mentions ``mask_states`` would hide, in order."""
    return [m.group(0) for m in _pattern().finditer(text)]
