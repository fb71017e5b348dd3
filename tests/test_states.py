"""Hiding which state a text is about: names, people, places and currencies of the Council of
Europe's states become one token, and nothing else is touched."""

from __future__ import annotations

import json

import pytest

from assistant.core.states import STATE_TOKEN, STATES_FILE, mask_states, mentions, states

FACTS = (
    "I. THE CIRCUMSTANCES OF THE CASE7. The applicant is a Polish national who lives in Warsaw. "
    "In 1999 the Polish authorities seized his car; the Poles who bought it paid 10,000 zlotys "
    "(PLN).8. He complained to the Ombudsman of the Republic of Poland and to Poland's Supreme "
    "Court in Warsaw.9. His wife polished the table and cooked a turkey."
)


def test_every_mention_of_the_state_is_masked_and_nothing_else():
    masked = mask_states(FACTS)
    assert mentions(masked) == []
    for word in ("Polish", "Warsaw", "Poles", "zlotys", "PLN", "Poland"):
        assert word not in masked
    # Whole words, case-sensitive: the verb "polished" and the bird stay; paragraph numbers glued
    # to a word ("Warsaw.9.") do not hide it; a possessive goes with its name.
    assert "polished the table" in masked and "a turkey" in masked
    assert f"Ombudsman of the {STATE_TOKEN}" in masked and f"{STATE_TOKEN} Supreme" in masked
    assert f"in {STATE_TOKEN}.9." in masked
    assert masked.count(STATE_TOKEN) == 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Russian Federation", f"the {STATE_TOKEN}"),
        ("Russian roubles", f"{STATE_TOKEN} {STATE_TOKEN}"),
        (
            "a court in Ankara; the Turkish Government",
            f"a court in {STATE_TOKEN}; the {STATE_TOKEN} Government",
        ),
        ("the United Kingdom and the UK", f"the {STATE_TOKEN} and the {STATE_TOKEN}"),
        (
            "Mr Bernard lives in Bucharest, Romania",
            f"Mr Bernard lives in {STATE_TOKEN}, {STATE_TOKEN}",
        ),
        ("Türkiye, Diyarbakır", f"{STATE_TOKEN}, {STATE_TOKEN}"),
        ("the former Yugoslav Republic of Macedonia", f"the {STATE_TOKEN}"),
        ("the United\nKingdom", f"the {STATE_TOKEN}"),
    ],
)
def test_multiword_names_demonyms_capitals_and_currencies(text: str, expected: str):
    assert mask_states(text) == expected


def test_the_data_file_names_every_member_state_once():
    data = json.loads(STATES_FILE.read_text(encoding="utf-8"))
    codes = [s["code"] for s in data["states"]]
    assert len(codes) == len(set(codes)) == len(states())
    # The 46 member states, Russia (a member until 2022) and two predecessor states.
    assert len(codes) >= 48
    assert {"POL", "ROU", "RUS", "GBR", "DEU", "TUR", "FRA", "BEL", "HUN", "UKR", "AZE"} <= set(
        codes
    )
    for state in states().values():
        assert state.names and state.adjectives, state.code
    # No term is claimed by two states: a mask would not care, a probe of leaks would.
    seen: dict[str, str] = {}
    for state in states().values():
        for term in state.terms():
            assert seen.setdefault(term, state.code) == state.code, term
