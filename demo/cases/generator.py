"""Synthetic Kazakhstan court acts (kk/ru) whose outcomes follow a documented latent model.

Every act is marked ``synthetic=True``; none describes a real case or person.

**Cases.** A case gets a category (jury criminal 15 %, criminal 35 %, civil 35 %, administrative
15 %), a fact pattern of that category (``demo.cases.patterns``: 9 jury, 12 criminal, 8 civil
and 6 administrative situations, each with its article, two fact templates and slot variation),
a first-instance date between 2019-01-01 and 2025-12-31, and a language (Kazakh or Russian, 50/50).
Jury cases follow CPC art. 631: murder (CC art. 99) throughout; the wider list of especially grave
crimes (robbery, drug sale in an especially large amount, kidnapping causing death) only from
2023, when the extended jurisdiction took effect. Administrative cases start in July 2021, when the
Administrative Procedural and Process Code (APPC) came into force.

**Latent factors** (``features["latent"]``), drawn per case:

* criminal – ``evidence_strength`` ∈ [0, 1] (Beta(2.2, 1.6)); ``confession`` (more likely with
  strong evidence); ``alibi`` (only without a confession); ``aggravating`` 0–2 and ``mitigating``
  0–3 circumstances; ``procedural_violation`` (10 %: the defence challenged evidence and the court
  wrongly rejected the challenge); ``expert`` supports / neutral / contradicts the charge (tied to
  evidence strength); ``reconciliation`` with the victim (only minor or medium crimes with a live
  victim); ``multiple_counts`` (20 %: a lesser second charge);
* civil and administrative – ``documentary_evidence`` ∈ [0, 1]; ``respondent_admits``;
  ``counterclaim``; ``claim_inflated`` (the amount or scope claimed exceeds what is proven);
  ``limitation_missed`` (civil: the three-year limitation, CC art. 178; administrative: the
  one-month filing term, APPC art. 136); ``procedural_bar`` (the claimant twice failed to appear);
  ``expert`` (where the pattern has an expertise); ``procedural_violation`` (an error of the first
  court); administrative only: ``act_reasoned`` (the contested act states its grounds).

**Outcome model.** ``outcome_utilities`` turns the factors into a score per allowed outcome; the
outcome is the arg-max after adding Gumbel noise of scale 0.7, i.e. a draw from the multinomial
logit ``P(o) ∝ exp(u_o / 0.7)``. Criminal guilt score ``z = a + b·(evidence − 0.5) + 1.1·confession
− 1.7·alibi − 0.9·violation + 0.7·[expert supports] − 0.9·[expert contradicts]`` with ``a, b = 2.5,
6.0`` for a judge and ``0.8, 7.0`` for a jury, so juries acquit far more often when evidence is
weak; ``u(guilty) = z``, ``u(acquitted) = −z``, ``u(partly_guilty) = 0.9 − 0.35·|z − 1|`` with two
counts (else impossible), ``u(terminated) = 2.6 + 0.3·mitigating`` after reconciliation, else ``−3.4
− 2·evidence`` (the prosecutor drops a weak charge). Claim merit ``m = −0.2 + 5·(documents − 0.5) +
1.8·admits + 0.6·[expert supports] − 0.8·[expert contradicts]``, civil ``− 3.5·limitation_missed``,
administrative ``+ 1.2`` for an unreasoned act (``− 0.3`` otherwise); ``u(satisfied) = m −
1.3·inflated − 0.9·counterclaim``, ``u(partly_satisfied) = 0.55·m − 0.6 + 1.7·inflated +
1.0·counterclaim``, ``u(denied) = −m``, ``u(left_without_consideration) = −3.5 +
5.5·procedural_bar`` (administrative ``+ 5·limitation_missed``: a late claim is returned).

**Planted deviations.** 5 % of first-instance acts get the opposite of the model's outcome
(guilty ↔ acquitted, partly/terminated → guilty, satisfied ↔ denied, partly/left → denied or
satisfied); ``features["deviation"]`` is True on them and ``features["model_outcome"]`` always
holds the model's answer. Their reasoning still describes the latent facts, so the text and the
result disagree, as in a wrongly decided case.

**Appeal and cassation.** The losing side appeals with probability ``σ(−1.35 + 2.3·deviation +
1.1·violation + 0.4·[defendant convicted or claim not granted])``. The appeal collegium upholds
(score 1.2), changes (sentence or amount; ``−0.7 + 0.35·mitigating`` criminal,
``−0.6 + 0.9·inflated + 0.6·counterclaim`` claims) or overturns (``−2.1 + 3.6·deviation +
2.3·violation``; a jury acquittal only for a procedural violation, CPC art. 662(4)), again with
Gumbel noise. An overturned deviation gets the model's outcome as the new decision, any other
overturning sends the case back (outcome ``None``; always so for jury verdicts, CPC art. 663).
Cassation follows with probability ``σ(−1.4 + 0.9·[appeal changed something] + 1.2·[deviation still
in force] + 0.5·violation)`` and similar scores. Review acts link to the first-instance act by
``parent_case_id``; the first-instance act carries their results in ``appeal_outcome`` and
``cassation_outcome``; each review act's ``outcome`` is the decision on the merits in force after
it. Reviews dated after 2025 are not generated.

**Non-discrimination (CEPEJ charter).** Judge, official and party names, genders, organisations
and the region come from a separate random stream (``people_seed``) that the model never reads:
regenerating with another ``people_seed`` changes every name and court but no outcome. The judge's
name is stored for display only and must never be used as a feature.

**Ground truth for evaluation.** ``features`` holds ``pattern_id``, ``relevance_key``
(``category|main article|pattern``), ``latent``, ``utilities``, ``model_outcome`` and
``deviation``; graded relevance: same category, article and pattern = 2, same category and
article = 1.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any

from assistant.core.cases import CRIMINAL_CATEGORIES, CourtAct, Party, outcomes_for
from demo.cases import patterns as P
from demo.cases.render import (
    Court,
    Person,
    Review,
    Sections,
    Sentence,
    Story,
    collegium,
    render_claim,
    render_criminal,
    render_review,
)
from demo.cases.words import (
    INITIALS,
    SURNAMES,
    kk_date,
    kk_date_abl,
    kk_date_attr,
    kk_date_loc,
    money,
    ru_date,
    ru_plural,
)
from indexer.cases.vocab import REGIONS, Region

CATEGORY_WEIGHTS: dict[str, float] = {
    "criminal_jury": 0.15,
    "criminal": 0.35,
    "civil": 0.35,
    "administrative": 0.15,
}
DEVIATION_RATE = 0.05
NOISE_SCALE = 0.7
FIRST_DATE = date(2019, 1, 1)
LAST_DATE = date(2025, 12, 31)

_PATTERNS: dict[str, list[P.CrimePattern | P.ClaimPattern]] = {c: [] for c in CATEGORY_WEIGHTS}
for _pattern in (*P.CRIME_PATTERNS, *P.CLAIM_PATTERNS):
    _PATTERNS[_pattern.category].append(_pattern)

_FLIP = {
    "guilty": "acquitted",
    "acquitted": "guilty",
    "partly_guilty": "guilty",
    "terminated": "guilty",
    "satisfied": "denied",
    "denied": "satisfied",
    "partly_satisfied": "denied",
    "left_without_consideration": "satisfied",
}
# Outcomes after which the defendant or the claimant is the one who appeals.
_LOSING = {"guilty", "partly_guilty", "denied", "partly_satisfied", "left_without_consideration"}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def outcome_utilities(category: str, latent: Mapping[str, Any]) -> dict[str, float]:
    """Score per outcome allowed for ``category``; impossible outcomes get ``-inf``."""
    if category in CRIMINAL_CATEGORIES:
        a, b = (0.8, 7.0) if category == "criminal_jury" else (2.5, 6.0)
        z = (
            a
            + b * (latent["evidence_strength"] - 0.5)
            + 1.1 * latent["confession"]
            - 1.7 * latent["alibi"]
            - 0.9 * latent["procedural_violation"]
            + 0.7 * (latent["expert"] == "supports")
            - 0.9 * (latent["expert"] == "contradicts")
        )
        if latent["reconciliation"]:
            terminated = 2.6 + 0.3 * latent["mitigating"]
        else:
            terminated = -3.4 - 2.0 * latent["evidence_strength"]
        return {
            "guilty": z,
            "acquitted": -z,
            "partly_guilty": 0.9 - 0.35 * abs(z - 1.0) if latent["multiple_counts"] else -math.inf,
            "terminated": terminated,
        }
    admin = category == "administrative"
    m = (
        -0.2
        + 5.0 * (latent["documentary_evidence"] - 0.5)
        + 1.8 * latent["respondent_admits"]
        + 0.6 * (latent["expert"] == "supports")
        - 0.8 * (latent["expert"] == "contradicts")
    )
    if admin:
        m += -0.3 if latent["act_reasoned"] else 1.2
    else:
        m -= 3.5 * latent["limitation_missed"]
    inflated, counter = latent["claim_inflated"], latent["counterclaim"]
    return {
        "satisfied": m - 1.3 * inflated - 0.9 * counter,
        "partly_satisfied": 0.55 * m - 0.6 + 1.7 * inflated + 1.0 * counter,
        "denied": -m,
        "left_without_consideration": -3.5
        + 5.5 * latent["procedural_bar"]
        + (5.0 * latent["limitation_missed"] if admin else 0.0),
    }


def draw_outcome(utilities: Mapping[str, float], rng: Random) -> str:
    """Arg-max of utilities plus Gumbel noise (a multinomial-logit draw)."""
    best, best_score = "", -math.inf
    for outcome, utility in utilities.items():
        noise = -math.log(-math.log(rng.random() or 1e-12)) * NOISE_SCALE
        if utility + noise > best_score:
            best, best_score = outcome, utility + noise
    return best


def flip_outcome(outcome: str) -> str:
    """The opposite outcome used for planted deviations."""
    return _FLIP[outcome]


def generate_cases(
    n: int = 3200, seed: int = 7, *, people_seed: int | None = None
) -> list[CourtAct]:
    """``n`` synthetic acts (first-instance acts followed by their reviews), deterministic.

    ``people_seed`` (default: ``seed``) drives only names, genders, organisations and regions.
    """
    if n < 0:
        raise ValueError("n must be non-negative")
    people = seed if people_seed is None else people_seed
    acts: list[CourtAct] = []
    index = 0
    while len(acts) < n:
        acts.extend(_case_chain(index, seed, people, room=n - len(acts)))
        index += 1
    return acts


def write_cases_jsonl(path: str | Path, cases: list[CourtAct]) -> None:
    """One act per line as JSON (UTF-8, stable key order), so equal input gives equal bytes."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for act in cases:
            out.write(json.dumps(act.model_dump(mode="json"), ensure_ascii=False) + "\n")


# --- one case --------------------------------------------------------------------------------


def _random_date(rng: Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _criminal_latent(pattern: P.CrimePattern, rng: Random) -> dict[str, Any]:
    ev = round(rng.betavariate(2.2, 1.6), 3)
    confession = rng.random() < 0.12 + 0.45 * ev
    alibi = not confession and rng.random() < 0.22 - 0.15 * ev
    u = rng.random()
    expert = (
        "supports"
        if u < 0.25 + 0.5 * ev
        else "contradicts"
        if u > 1.0 - 0.25 * (1.0 - ev)
        else "neutral"
    )
    return {
        "evidence_strength": ev,
        "confession": confession,
        "alibi": alibi,
        "aggravating": rng.choices((0, 1, 2), (0.55, 0.33, 0.12))[0],
        "mitigating": rng.choices((0, 1, 2, 3), (0.25, 0.35, 0.25, 0.15))[0],
        "procedural_violation": rng.random() < 0.10,
        "expert": expert,
        "reconciliation": pattern.reconcilable
        and pattern.victim == "alive"
        and rng.random() < 0.18,
        "multiple_counts": rng.random() < 0.20,
    }


def _claim_latent(pattern: P.ClaimPattern, rng: Random) -> dict[str, Any]:
    doc = round(rng.betavariate(2.2, 1.8), 3)
    u = rng.random()
    if pattern.expert is None:
        expert = "none"
    else:
        expert = (
            "supports"
            if u < 0.2 + 0.5 * doc
            else "contradicts"
            if u > 1.0 - 0.3 * (1.0 - doc)
            else "neutral"
        )
    latent: dict[str, Any] = {
        "documentary_evidence": doc,
        "respondent_admits": rng.random() < 0.10,
        "counterclaim": pattern.counterclaim is not None and rng.random() < 0.18,
        "claim_inflated": rng.random() < 0.25,
        "limitation_missed": rng.random() < 0.07,
        "procedural_bar": rng.random() < 0.05,
        "procedural_violation": rng.random() < 0.08,
        "expert": expert,
    }
    if pattern.category == "administrative":
        latent["act_reasoned"] = rng.random() < 0.6
    return latent


def _sentence(pattern: P.CrimePattern, latent: Mapping[str, Any], rng: Random) -> Sentence:
    lo, hi = pattern.years
    if pattern.life and latent["aggravating"] == 2 and rng.random() < 0.35:
        return Sentence("life", 0)
    share = 0.45 + 0.22 * latent["aggravating"] - 0.12 * latent["mitigating"]
    share = min(1.0, max(0.0, share + rng.uniform(-0.15, 0.15)))
    years = max(1, round(lo + (hi - lo) * share))
    kind = "restriction" if hi <= 3 and latent["mitigating"] >= 2 else "prison"
    return Sentence(kind, years)


def _review_scores(
    criminal: bool,
    jury: bool,
    latent: Mapping[str, Any],
    before: str,
    deviation_live: bool,
    cassation: bool,
) -> dict[str, float]:
    violation = latent["procedural_violation"]
    if criminal:
        can_change = before in ("guilty", "partly_guilty")
        change = -0.7 + 0.35 * latent["mitigating"]
    else:
        can_change = before in ("satisfied", "partly_satisfied")
        change = -0.6 + 0.9 * latent["claim_inflated"] + 0.6 * latent["counterclaim"]
    if jury and before == "acquitted":
        overturn = -2.6 + 3.0 * violation
    else:
        overturn = -2.1 + 3.6 * deviation_live + 2.3 * violation
    if cassation:
        change -= 0.9
        overturn -= 0.3
    return {
        "upheld": 1.4 if cassation else 1.2,
        "changed": change if can_change else -math.inf,
        "overturned": overturn,
    }


def _decide_reviews(
    category: str,
    latent: Mapping[str, Any],
    outcome: str,
    model_outcome: str,
    deviation: bool,
    first_date: date,
    rng: Random,
) -> list[tuple[str, date, str, str, str, str | None]]:
    """(instance, date, decision, ground, outcome before, outcome after) per review."""
    criminal = category in CRIMINAL_CATEGORIES
    jury = category == "criminal_jury"
    violation = latent["procedural_violation"]
    reviews: list[tuple[str, date, str, str, str, str | None]] = []
    p_appeal = _sigmoid(-1.35 + 2.3 * deviation + 1.1 * violation + 0.4 * (outcome in _LOSING))
    appealed = rng.random() < p_appeal
    appeal_date = first_date + timedelta(days=rng.randint(30, 120))
    if not appealed or appeal_date > LAST_DATE:
        return reviews
    before = outcome
    for instance in ("appeal", "cassation"):
        live = deviation and before != model_outcome
        decision = draw_outcome(
            _review_scores(criminal, jury, latent, before, live, instance == "cassation"), rng
        )
        if decision == "overturned":
            ground = "deviation" if live and (not violation or rng.random() < 0.5) else "procedural"
            after = model_outcome if live and not jury and ground == "deviation" else None
        elif decision == "changed":
            ground = "sentence" if criminal else "amount"
            after = before if criminal else "partly_satisfied"
        else:
            ground, after = "none", before
        when = (
            appeal_date
            if instance == "appeal"
            else reviews[-1][1] + timedelta(days=rng.randint(60, 300))
        )
        if when > LAST_DATE:
            break
        reviews.append((instance, when, decision, ground, before, after))
        if after is None:
            break
        still_wrong = deviation and after != model_outcome
        p_cassation = _sigmoid(
            -1.4 + 0.9 * (decision != "upheld") + 1.2 * still_wrong + 0.5 * violation
        )
        if instance == "cassation" or rng.random() >= p_cassation:
            break
        before = after
    return reviews


def _person(rng: Random) -> Person:
    ru, kk = rng.choice(SURNAMES)
    gender = rng.choice(("m", "f"))
    return Person(ru, kk, gender, f"{rng.choice(INITIALS)}.{rng.choice(INITIALS)}.")


def _first_court(category: str, region: Region, rng: Random) -> Court:
    number = rng.randint(1, 5)
    district = Court(
        ru_nom=f"Районный суд № {number} г. {region.ru_center}",
        ru_gen=f"районного суда № {number} г. {region.ru_center}",
        kk_nom=f"{region.kk_center} қаласының № {number} аудандық соты",
        kk_gen=f"{region.kk_center} қаласының № {number} аудандық сотының",
    )
    if category == "administrative":
        return Court(
            ru_nom=f"Специализированный межрайонный административный суд {region.ru_gen}",
            ru_gen=f"специализированного межрайонного административного суда {region.ru_gen}",
            kk_nom=f"{region.kk_gen} мамандандырылған ауданаралық әкімшілік соты",
            kk_gen=f"{region.kk_gen} мамандандырылған ауданаралық әкімшілік сотының",
        )
    if category == "criminal_jury" or (category == "criminal" and rng.random() < 0.5):
        return Court(
            ru_nom=f"Специализированный межрайонный суд по уголовным делам {region.ru_gen}",
            ru_gen=f"специализированного межрайонного суда по уголовным делам {region.ru_gen}",
            kk_nom=f"{region.kk_gen} қылмыстық істер жөніндегі мамандандырылған ауданаралық соты",
            kk_gen=f"{region.kk_gen} қылмыстық істер жөніндегі мамандандырылған ауданаралық "
            "сотының",
        )
    return district


def _party_names(
    pattern: P.ClaimPattern, region: Region, rng: Random
) -> tuple[dict[str, str], dict[str, str]]:
    """Slot values P_*/R_* and genders pg/rg for the parties of a claim."""
    ctx: dict[str, str] = {}
    genders: dict[str, str] = {}
    for key, kind, label in (
        ("P", pattern.plaintiff, "Ф.И.О.1"),
        ("R", pattern.respondent, "Ф.И.О.2"),
    ):
        gkey = "pg" if key == "P" else "rg"
        if kind == "person":
            ctx[f"{key}_ru"] = ctx[f"{key}_kk"] = label
            genders[gkey] = rng.choice(("m", "f"))
        elif kind == "body":
            assert pattern.body is not None
            officer = _person(rng)
            values = {
                "center_ru": region.ru_center,
                "center_kk": region.kk_center,
                "region_dat_ru": region.ru_dat,
                "region_gen_ru": region.ru_gen,
                "region_nom_kk": region.kk_nom,
                "region_gen_kk": region.kk_gen,
                "officer_ru": officer.name("ru"),
                "officer_kk": officer.name("kk"),
            }
            ctx[f"{key}_ru"] = pattern.body[0].format(**values)
            ctx[f"{key}_kk"] = pattern.body[1].format(**values)
            genders[gkey] = "n"
        else:
            ctx[f"{key}_ru"], ctx[f"{key}_kk"] = rng.choice(P.ORGS[kind])
            genders[gkey] = "n"
    return ctx, genders


def _case_id(prefix: str, index: int, when: date) -> str:
    return f"{prefix}-{1000 + index}-{when.year % 100:02d}"


def _case_chain(index: int, seed: int, people_seed: int, room: int) -> list[CourtAct]:
    # Three independent streams: the case (facts, factors, outcomes), its wording, and people.
    case_rng = Random(f"alqabi-cases:{seed}:{index}:case")
    text_rng = Random(f"alqabi-cases:{seed}:{index}:text")
    people_rng = Random(f"alqabi-cases:{people_seed}:{index}:people")

    category = case_rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
    pattern = case_rng.choice(_PATTERNS[category])
    act_date = _random_date(case_rng, max(pattern.min_date, FIRST_DATE), LAST_DATE)
    lang = "kk" if case_rng.random() < 0.5 else "ru"
    criminal = category in CRIMINAL_CATEGORIES
    if isinstance(pattern, P.CrimePattern):
        latent = _criminal_latent(pattern, case_rng)
    else:
        latent = _claim_latent(pattern, case_rng)
    utilities = outcome_utilities(category, latent)
    model_outcome = draw_outcome(utilities, case_rng)
    deviation = case_rng.random() < DEVIATION_RATE
    outcome = flip_outcome(model_outcome) if deviation else model_outcome
    numbers = {
        name: case_rng.randrange(lo, hi + 1, step)
        for name, (lo, hi, step) in sorted(pattern.numbers.items())
    }
    sentence = _sentence(pattern, latent, case_rng) if isinstance(pattern, P.CrimePattern) else None
    claim = numbers.get("amount")
    awarded = round(claim * case_rng.uniform(0.3, 0.8), -3) if claim and not criminal else None
    event = act_date - timedelta(days=case_rng.randint(90, 420))
    if latent.get("limitation_missed") and category == "civil":
        event = act_date - timedelta(days=case_rng.randint(1200, 2000))
    later = event + timedelta(days=case_rng.randint(120, 540))
    due = min(later, act_date - timedelta(days=30))
    reviews_plan = _decide_reviews(
        category, latent, outcome, model_outcome, deviation, act_date, case_rng
    )
    reviews_plan = reviews_plan[: max(0, room - 1)]

    region = REGIONS[people_rng.choice(sorted(REGIONS))]
    court = _first_court(category, region, people_rng)
    officials = [_person(people_rng) for _ in range(4)]
    review_judges = [tuple(_person(people_rng) for _ in range(3)) for _ in range(2)]
    if criminal:
        genders = {
            "g": "m" if people_rng.random() < 0.8 else "f",
            "vg": people_rng.choice(("m", "f")),
            "rg": people_rng.choice(("m", "f")),
        }
        party_ctx: dict[str, str] = {}
    else:
        assert isinstance(pattern, P.ClaimPattern)
        party_ctx, genders = _party_names(pattern, region, people_rng)

    earlier = event - timedelta(days=text_rng.randint(5, 40))
    ctx: dict[str, str] = {
        "date_event": ru_date(event),
        "date_event_kk": kk_date_loc(event),
        "loan_date": ru_date(event),
        "loan_date_kk": kk_date_loc(event),
        "loan_date_attr_kk": kk_date_attr(event),
        "due_date": ru_date(due),
        "due_date_kk": kk_date(due),
        "due_date_abl_kk": kk_date_abl(due),
        "date2": ru_date(earlier),
        "date2_kk": kk_date_loc(earlier),
        "hour": str(text_rng.randint(9, 21)),
        "blows": str(text_rng.randint(2, 9)),
        "amount2": money(text_rng.randrange(40_000, 400_000, 1_000)),
        "mass2": str(text_rng.randint(2, 40)),
        **party_ctx,
    }
    if party_ctx:
        # Russian operative parts name the parties; indeclinable labels need no case forms.
        ctx["P"], ctx["R"] = party_ctx["P_ru"], party_ctx["R_ru"]
    ctx["hour2"] = str(int(ctx["hour"]) + 2)
    for name, value in numbers.items():
        ctx[name] = money(value) if name in ("amount", "rent") else str(value)
    if "months" in numbers:
        ctx["months_ru"] = ru_plural(numbers["months"], "месяц", "месяца", "месяцев")
    if awarded is not None:
        ctx["awarded"] = money(int(awarded))
    for name, slot in sorted(pattern.slots.items()):
        option = text_rng.choice(slot.options)
        for form, value in zip(slot.forms, option, strict=True):
            ctx[f"{name}.{form}"] = value

    prefix = {"criminal_jury": "1", "criminal": "1", "civil": "2", "administrative": "3"}[category]
    story = Story(
        pattern=pattern,
        lang=lang,
        case_id=_case_id(prefix, index, act_date),
        date=act_date,
        region=region,
        court=court,
        judge=officials[0],
        secretary=officials[1],
        prosecutor=officials[2],
        lawyer=officials[3],
        genders=genders,
        ctx=ctx,
        latent=latent,
        outcome=outcome,
        defect=text_rng.randrange(len(P.PROCEDURAL_DEFECTS)),
        second_count=bool(latent.get("multiple_counts")),
        sentence=sentence,
        awarded=int(awarded) if awarded is not None else None,
    )
    for (instance, when, decision, ground, before, after), judges in zip(
        reviews_plan, review_judges, strict=False
    ):
        new_sentence = None
        new_awarded = None
        if decision == "changed" and sentence is not None:
            years = (
                20 if sentence.kind == "life" else max(1, sentence.years - case_rng.randint(1, 3))
            )
            new_sentence = Sentence("prison" if sentence.kind == "life" else sentence.kind, years)
        elif decision == "changed" and claim:
            base = story.awarded if before == "partly_satisfied" and story.awarded else claim
            new_awarded = int(round(base * case_rng.uniform(0.6, 0.9), -3))
        story.reviews.append(
            Review(
                instance=instance,
                case_id=_case_id(prefix + ("а" if instance == "appeal" else "к"), index, when),
                date=when,
                decision=decision,
                ground=ground,
                outcome_before=before,
                outcome_after=after,
                court=collegium(story, instance),
                judges=judges,
                new_sentence=new_sentence,
                new_awarded=new_awarded,
            )
        )

    if isinstance(pattern, P.CrimePattern):
        sections, variant = render_criminal(story, text_rng)
    else:
        sections, variant = render_claim(story, text_rng), 0
    appeal_outcome = next((r.decision for r in story.reviews if r.instance == "appeal"), "none")
    cassation_outcome = next(
        (r.decision for r in story.reviews if r.instance == "cassation"), "none"
    )
    base_features: dict[str, Any] = {
        "pattern_id": pattern.id,
        "fact_variant": variant,
        "main_article": pattern.article,
        "relevance_key": f"{category}|{pattern.article}|{pattern.id}",
        "latent": latent,
        "utilities": {k: round(v, 3) for k, v in utilities.items() if math.isfinite(v)},
        "model_outcome": model_outcome,
        "first_instance_deviation": deviation,
    }
    if sentence is not None:
        base_features["sentence"] = {"kind": sentence.kind, "years": sentence.years}
    if claim is not None and not criminal:
        base_features["claim_amount"] = claim
    articles = _articles(pattern, story.second_count)
    first = _act(
        story,
        sections,
        story.case_id,
        court.nom(lang),
        "first",
        outcome,
        appeal_outcome,
        cassation_outcome,
        None,
        officials[0].name(lang),
        articles,
        {**base_features, "deviation": deviation},
    )
    acts = [first]
    for review in story.reviews:
        review_sections = render_review(story, review, variant)
        acts.append(
            _act(
                story,
                review_sections,
                review.case_id,
                review.court.nom(lang),
                review.instance,
                review.outcome_after,
                appeal_outcome,
                cassation_outcome,
                story.case_id,
                review.judges[0].name(lang),
                articles,
                {
                    **base_features,
                    "deviation": False,
                    "review": {
                        "decision": review.decision,
                        "ground": review.ground,
                        "outcome_before": review.outcome_before,
                    },
                },
                review.date,
            )
        )
    return acts


def _articles(pattern: P.CrimePattern | P.ClaimPattern, second_count: bool) -> list[str]:
    if isinstance(pattern, P.CrimePattern):
        return [pattern.article, pattern.second.article] if second_count else [pattern.article]
    return [pattern.article]


def _parties(story: Story) -> list[Party]:
    pattern = story.pattern
    g = story.genders
    if isinstance(pattern, P.CrimePattern):
        parties = [Party(label="Ф.И.О.1", role="defendant", gender=g["g"])]
        if pattern.victim != "none":
            parties.append(Party(label="Ф.И.О.2", role="victim", gender=g["vg"]))
        if pattern.victim == "dead":
            parties.append(Party(label="Ф.И.О.3", role="victim_representative", gender=g["rg"]))
        return parties
    lang = story.lang
    return [
        Party(
            label=story.ctx[f"P_{lang}"],
            role="plaintiff",
            gender=g["pg"] if g["pg"] != "n" else None,
        ),
        Party(
            label=story.ctx[f"R_{lang}"],
            role="respondent",
            gender=g["rg"] if g["rg"] != "n" else None,
        ),
    ]


def _act(
    story: Story,
    sections: Sections,
    case_id: str,
    court: str,
    instance: str,
    outcome: str | None,
    appeal_outcome: str,
    cassation_outcome: str,
    parent: str | None,
    judge: str,
    articles: list[str],
    features: dict[str, Any],
    when: date | None = None,
) -> CourtAct:
    if outcome is not None:
        assert outcome in outcomes_for(story.pattern.category)
    return CourtAct(
        case_id=case_id,
        court=court,
        region=story.region.slug,
        instance=instance,
        category=story.pattern.category,
        articles=articles,
        date=when or story.date,
        lang=story.lang,
        parties=_parties(story),
        introduction=sections.introduction,
        facts=sections.facts,
        reasoning=sections.reasoning,
        operative=sections.operative,
        outcome=outcome,
        appeal_outcome=appeal_outcome,
        cassation_outcome=cassation_outcome,
        parent_case_id=parent,
        judge=judge,
        synthetic=True,
        source=f"synthetic:court_acts/{case_id}",
        features=features,
    )
