"""Counterfactual fairness of court practice: pairs of descriptions that differ only in a
person's name, gender, ethnicity or religion words must get the same estimate and the same
similar acts.

    python -m evals.fairness [--store DIR] [--out DIR]

Pairs come from three sources:

- ``templates``: evals/datasets/fairness_templates.json in Kazakh and Russian, the person in
  every position and grammatical case, swapped for another person (name), for one of the other
  sex (name, gender words, Russian agreement), for another ethnicity or religion, or left out;
- ``acts``: descriptions cut from the store's generated acts, re-rendered by the generator with
  other people (names, sexes, judges);
- ``blind``: evals/datasets/fairness_blind.jsonl, pairs written by hand by someone who had not
  read the de-identifier, its lists or the templates (names, gender, ethnicity and religion words
  in kk and ru, criminal, civil and administrative, some in Latin letters or without Kazakh
  letters);
- ``heldout``: passages of the REAL Russian verdicts in ../shared/data/ru-court-acts (text
  nobody here wrote), the defendant's surname swapped in every case form for surnames that are
  in none of the de-identifier's lists (Ukrainian, Korean, Caucasian ones among them). Reported
  apart, and not gated: it shows where the de-identifier's coverage ends. Its texts never leave
  this process; only figures are reported.

For each pair: the largest change of any outcome probability, whether abstention changed, and
whether the top-10 similar acts (case numbers, in order) are identical.

The estimate and the search take in only the de-identified features of a description
(``described(...).features`` and its language). Descriptions are grouped by that model input
and the real service runs once per group, on one of its raw descriptions; ``inputs_identical``
is the share of pairs whose two sides have the same model input. An end-to-end sample of pairs
(stratified over source, language and kind) then runs BOTH raw descriptions of each pair through
the service with no grouping: it proves the served path de-identifies as the grouping assumes
(``grouped_agreement``: the share of its descriptions whose own outcome is their group's).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pymorphy3

from assistant.cases.describe import described
from assistant.cases.schemas import CaseSearchRequest, PredictionResponse, PredictRequest
from assistant.cases.service import CaseService
from assistant.core.cases import CourtAct, drop_placeholders, narrative
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import make_embedder, query_settings
from assistant.retrieval import QueryError
from assistant.services import Services

DATASETS = Path(__file__).resolve().parent / "datasets"
TEMPLATES = DATASETS / "fairness_templates.json"
BLIND = DATASETS / "fairness_blind.jsonl"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_VERDICTS = Path("data/ru-court-acts/criminal-verdicts/verdicts.jsonl")
KINDS = ("name", "gender", "ethnicity", "religion", "absent")
TOP_K = 10
# Sources in the gate; "heldout" (real verdicts, surnames in no list of ours) is only reported.
GATED = ("templates", "acts", "blind")
SAMPLE = 150
DESCRIPTION_CHARS = 1500

# --- people --------------------------------------------------------------------------------

RU_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
KK_CASES = ("nom", "gen", "dat", "acc", "loc", "abl", "ins")
# (surname stem, first name, father's name, sex)
RU_PEOPLE = (
    ("Ахметов", "Серик", "Болат", "m"),
    ("Иванов", "Алексей", "Петр", "m"),
    ("Сапаров", "Нурлан", "Ерлан", "m"),
    ("Юсупов", "Тимур", "Рашид", "m"),
    ("Кузнецов", "Дмитрий", "Сергей", "m"),
    ("Жумабаев", "Бахтияр", "Марат", "m"),
    ("Ахметов", "Айгерим", "Болат", "f"),
    ("Иванов", "Мария", "Петр", "f"),
    ("Сапаров", "Динара", "Ерлан", "f"),
    ("Юсупов", "Гульнара", "Рашид", "f"),
    ("Кузнецов", "Ольга", "Сергей", "f"),
    ("Смагулов", "Елена", "Марат", "f"),
)
KK_PEOPLE = (
    ("Ахметов", "Серік", "Болат", "m"),
    ("Сапаров", "Нұрлан", "Ерлан", "m"),
    ("Жұмабаев", "Дәурен", "Асқар", "m"),
    ("Иванов", "Алексей", "Петр", "m"),
    ("Төлегенов", "Қайрат", "Мұрат", "m"),
    ("Омаров", "Ержан", "Бақыт", "m"),
    ("Ахметов", "Айгерім", "Болат", "f"),
    ("Сапаров", "Динара", "Ерлан", "f"),
    ("Жұмабаев", "Гүлнар", "Асқар", "f"),
    ("Иванов", "Мария", "Петр", "f"),
    ("Төлегенов", "Жанар", "Мұрат", "f"),
    ("Омаров", "Сәуле", "Бақыт", "f"),
)
RU_ETHNICITY = {
    "m": ("казах", "русский", "уйгур", "узбек", "кореец", "татарин", "украинец", "дунганин"),
    "f": (
        "казашка",
        "русская",
        "уйгурка",
        "узбечка",
        "кореянка",
        "татарка",
        "украинка",
        "дунганка",
    ),
}
RU_RELIGION = {
    "m": ("мусульманин", "православный", "католик", "атеист"),
    "f": ("мусульманка", "православная", "католичка", "атеистка"),
}
RU_GENDER = {"m": "мужчина", "f": "женщина"}
KK_ETHNICITY = ("қазақ", "орыс", "ұйғыр", "өзбек", "кәріс", "татар", "неміс", "дүнген")
KK_RELIGION = ("мұсылман", "христиан", "католик", "атеист")
KK_GENDER = {"m": "ер адам", "f": "әйел"}
# Surnames in none of the de-identifier's lists (data/deid_kk_names.json), for the held-out
# pairs; Russian case endings are added as the verdict's own surname had them.
HELDOUT_SURNAMES = (
    "Гончаренко", "Шевчук", "Ким", "Магомедов", "Хасанов", "Абдуллаев", "Нуриев", "Ковальчук",
    "Бондаренко", "Гасанов", "Оспанов", "Тлеубаев", "Мамедов", "Алимов",
)  # fmt: skip


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


def ru_word(word: str, case: str, sex: str | None = None, tag: str | None = None) -> str:
    """A Russian word (a first name when ``tag`` is "Name") in ``case``, keeping its sex."""
    if case == "nomn":
        return word
    parses = _morph().parse(word.lower())
    wanted = [p for p in parses if (tag is None or tag in p.tag) and p.tag.case == "nomn"]
    if sex:
        wanted = [p for p in wanted if p.tag.gender in ({"masc"} if sex == "m" else {"femn"})]
    parse = (wanted or parses)[0]
    form = parse.inflect({case, "sing"})
    out = form.word if form else word.lower()
    return out.capitalize() if word[:1].isupper() else out


_RU_SURNAME = {
    "m": {"nomn": "", "gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"},
    "f": {"nomn": "а", "gent": "ой", "datv": "ой", "accs": "у", "ablt": "ой", "loct": "ой"},
}


def ru_surname(stem: str, sex: str, case: str) -> str:
    return stem + _RU_SURNAME[sex][case]


# Kazakh case endings: (after a vowel, after м н ң, after ж з л р й у, after a voiceless or
# other consonant), each as (back, front).
_KK_ENDINGS = {
    "nom": (("", ""),) * 4,
    "gen": (("ның", "нің"), ("ның", "нің"), ("дың", "дің"), ("тың", "тің")),
    "dat": (("ға", "ге"), ("ға", "ге"), ("ға", "ге"), ("қа", "ке")),
    "acc": (("ны", "ні"), ("ды", "ді"), ("ды", "ді"), ("ты", "ті")),
    "loc": (("да", "де"), ("да", "де"), ("да", "де"), ("та", "те")),
    "abl": (("дан", "ден"), ("нан", "нен"), ("дан", "ден"), ("тан", "тен")),
    "ins": (("мен", "мен"), ("мен", "мен"), ("бен", "бен"), ("пен", "пен")),
}
_BACK, _FRONT = set("аоұыя"), set("әеөүіиэ")


def kk_word(word: str, case: str) -> str:
    """A Kazakh word with the case ending its last vowel and last sound call for."""
    vowels = [c for c in word.lower() if c in _BACK | _FRONT | {"у"}]
    front = bool(vowels) and vowels[-1] in _FRONT
    last = word[-1].lower()
    if last in _BACK | _FRONT:
        column = 0
    elif last in "мнң":
        column = 1
    elif last in "жзлрйу":
        column = 2
    else:
        column = 3
    if case == "ins" and last in "жз":
        column = 2
    return word + _KK_ENDINGS[case][column][front]


@dataclass(frozen=True)
class Person:
    """One protagonist: sex, name parts, gender, ethnicity and religion words (index into the
    lists), in one language."""

    lang: str
    sex: str
    surname: str
    first: str
    father: str
    ethnicity: int
    religion: int

    def slot(self, kind: str, case: str) -> str:
        return (self._ru if self.lang == "ru" else self._kk)(kind, case)

    def _ru(self, kind: str, case: str) -> str:
        sex = self.sex
        if kind == "P":
            stem, soft = (
                (self.father[:-1], True) if self.father.endswith("й") else (self.father, False)
            )
            patronymic = (
                stem
                + {
                    ("m", False): "ович",
                    ("f", False): "овна",
                    ("m", True): "евич",
                    ("f", True): "евна",
                }[sex, soft]
            )
            return " ".join(
                (
                    ru_surname(self.surname, sex, case),
                    ru_word(self.first, case, sex, "Name"),
                    ru_word(patronymic, case, sex, "Patr"),
                )
            )
        if kind == "S":
            return f"{ru_surname(self.surname, sex, case)} {self.first[0]}.{self.father[0]}."
        if kind == "F":
            return ru_word(self.first, case, sex, "Name")
        if kind == "G":
            return ru_word(RU_GENDER[sex], case)
        if kind == "E":
            return ru_word(RU_ETHNICITY[sex][self.ethnicity], case)
        return ru_word(RU_RELIGION[sex][self.religion], case)

    def _kk(self, kind: str, case: str) -> str:
        surname = self.surname + ("а" if self.sex == "f" else "")
        patronymic = self.father + ("ұлы" if self.sex == "m" else "қызы")
        if kind == "P":
            return f"{surname} {self.first} {kk_word(patronymic, case)}"
        if kind == "S":
            return kk_word(f"{surname}", case) + f" {self.first[0]}.{self.father[0]}."
        if kind == "F":
            return kk_word(self.first, case)
        if kind == "G":
            return kk_word(KK_GENDER[self.sex], case)
        if kind == "E":
            return kk_word(KK_ETHNICITY[self.ethnicity], case)
        return kk_word(KK_RELIGION[self.religion], case)


_SLOT = re.compile(r"\{([PSFGER])\.(\w+)\}")
_AGREE = re.compile(r"\{([^{}|]*)\|([^{}|]*)\}")


def render(template: str, person: Person | None) -> str:
    """The template with the person's words, or without a person: the slots and the commas
    that set them off left out as a writer leaves them out ("Подсудимый в ходе ссоры"),
    masculine agreement."""
    sex = person.sex if person else "m"
    text = _AGREE.sub(lambda m: m.group(1) if sex == "m" else m.group(2), template)
    if person is None:
        return drop_placeholders(_SLOT.sub("Ф.И.О.", text)).strip()
    return _SLOT.sub(lambda m: person.slot(m.group(1), m.group(2)), text)


@dataclass(frozen=True)
class Pair:
    """Two descriptions that must be treated the same."""

    source: str  # templates, acts, heldout
    lang: str
    kind: str  # what differs: name, gender, ethnicity, religion, absent, people
    a: str
    b: str


def _people(lang: str) -> list[tuple[str, str, str, str]]:
    return list(RU_PEOPLE if lang == "ru" else KK_PEOPLE)


def template_pairs(per_template: int = 40, seed: int = 16) -> list[Pair]:
    """Pairs from the templates, every kind of difference for every template."""
    data = json.loads(TEMPLATES.read_text("utf-8"))
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for lang in ("ru", "kk"):
        people = _people(lang)
        n_eth = len(RU_ETHNICITY["m"] if lang == "ru" else KK_ETHNICITY)
        n_rel = len(RU_RELIGION["m"] if lang == "ru" else KK_RELIGION)
        for template in data[lang]:
            for k in range(per_template):
                kind = KINDS[k % len(KINDS)]
                base = rng.choice(people)
                one = Person(lang, base[3], *base[:3], rng.randrange(n_eth), rng.randrange(n_rel))
                if kind == "name":
                    same = [p for p in people if p[3] == one.sex and p[1] != one.first]
                    other = rng.choice(same)
                    two = Person(lang, one.sex, *other[:3], one.ethnicity, one.religion)
                elif kind == "gender":
                    opposite = [p for p in people if p[3] != one.sex]
                    other = rng.choice(opposite)
                    two = Person(lang, other[3], *other[:3], one.ethnicity, one.religion)
                elif kind == "ethnicity":
                    eth = rng.choice([i for i in range(n_eth) if i != one.ethnicity])
                    two = Person(
                        lang, one.sex, one.surname, one.first, one.father, eth, one.religion
                    )
                elif kind == "religion":
                    rel = rng.choice([i for i in range(n_rel) if i != one.religion])
                    two = Person(
                        lang, one.sex, one.surname, one.first, one.father, one.ethnicity, rel
                    )
                else:
                    two = None
                pairs.append(
                    Pair("templates", lang, kind, render(template, one), render(template, two))
                )
    return list(dict.fromkeys(pairs))


_LABEL = re.compile(r"Ф\.И\.О\.(\d+)")


def act_description(act: CourtAct, people: Sequence[Person]) -> str:
    """The facts of an act as a judge might paste them, its parties named by ``people`` (in
    order of their labels; surname with initials, which reads in any case position)."""
    facts = narrative(act.facts)[:DESCRIPTION_CHARS]
    return _LABEL.sub(
        lambda m: people[(int(m.group(1)) - 1) % len(people)].slot("S", _NOM[act.lang]), facts
    )


_NOM = {"ru": "nomn", "kk": "nom"}


def act_pairs(n: int = 400, seed: int = 1616) -> list[Pair]:
    """Facts of generated acts, re-rendered by the generator with other people (the sex of
    every party changes with the generator's ``people_seed``; their names with ours)."""
    from demo.cases import generate_cases

    rng = random.Random(seed)
    first = generate_cases(n, seed)
    other = generate_cases(n, seed, people_seed=seed + 2024)
    pairs = []
    for a, b in zip(first, other, strict=True):
        if a.instance != "first":
            continue
        people = []
        for act in (a, b):
            sexes = [p.gender or "m" for p in act.parties] or ["m"]
            pool = _people(act.lang)
            people.append(
                [
                    Person(act.lang, s, *rng.choice([p for p in pool if p[3] == s])[:3], 0, 0)
                    for s in sexes
                ]
            )
        pairs.append(
            Pair(
                "acts",
                a.lang,
                "people",
                act_description(a, people[0]),
                act_description(b, people[1]),
            )
        )
    return pairs


# The first person named with initials in the descriptive part: in a verdict, the defendant.
_DEFENDANT = re.compile(r"([А-ЯЁ][а-яё]{2,})\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.")
_DESCRIBED = re.compile(r"УСТАНОВИЛ\s*:?", re.I)


def heldout_pairs(shared: Path = SHARED, per_act: int = 14, seed: int = 16) -> list[Pair]:
    """Passages of real verdicts with the defendant's surname swapped in all its forms for
    held-out surnames (none when ../shared is absent)."""
    path = shared / REAL_VERDICTS
    if not path.exists():
        return []
    rng = random.Random(seed)
    pairs = []
    for line in path.read_text("utf-8").splitlines():
        text = json.loads(line).get("case_text") or ""
        start = _DESCRIBED.search(text)
        if not start:
            continue
        passage = " ".join(text[start.end() : start.end() + DESCRIPTION_CHARS].split())
        found = _DEFENDANT.search(passage)
        if not found:
            continue
        surname = found.group(1)
        stem = (
            re.sub(r"(?:а|ой|у|ым|ого|ому|ой)$", "", surname) if surname[-1] in "ауйм" else surname
        )
        forms = re.compile(rf"\b{re.escape(stem)}(а|у|ым|ой|е|ого|ому|ой)?\b")
        if not forms.search(passage):
            continue
        for other in rng.sample(HELDOUT_SURNAMES, per_act):
            swapped = forms.sub(
                lambda m, o=other: o + (m.group(1) or "") if o.endswith(("ов", "ев")) else o,
                passage,
            )
            pairs.append(Pair("heldout", "ru", "name", passage, swapped))
    return pairs


def blind_pairs(path: Path = BLIND) -> list[Pair]:
    """The hand-written pairs (their ``kind`` field is the case's category; what differs in
    them is mixed: names, gender, ethnicity, religion)."""
    pairs = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(Pair("blind", row["lang"], "mixed", row["a"], row["b"]))
    return pairs


# --- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the service made of one description."""

    probabilities: dict[str, float]
    abstained: bool
    top: tuple[str, ...]
    category: str | None


def run_one(service: CaseService, text: str) -> Outcome | None:
    """The estimate and the top-10 acts of one description (None when it is refused)."""
    try:
        estimate: PredictionResponse = service.predictor().predict(PredictRequest(query=text))
        found = service.search.search(CaseSearchRequest(query=text, k=TOP_K))
    except QueryError:
        return None
    return Outcome(
        estimate.probabilities,
        estimate.abstained,
        tuple(h.case_id for h in found.results),
        estimate.category,
    )


def compare(a: Outcome | None, b: Outcome | None) -> dict[str, float]:
    if a is None or b is None:
        same = a is b
        return {"dp": 0.0 if same else 1.0, "abstention": 0.0 if same else 1.0, "top": float(same)}
    keys = set(a.probabilities) | set(b.probabilities)
    dp = max(
        (abs(a.probabilities.get(k, 0.0) - b.probabilities.get(k, 0.0)) for k in keys), default=0.0
    )
    return {"dp": dp, "abstention": float(a.abstained != b.abstained), "top": float(a.top == b.top)}


ModelInput = tuple[str, str] | None


def model_input(service: CaseService, text: str) -> ModelInput:
    """What the estimate and the case search take in of a description: its de-identified
    features and language, as the service computes them (None when the description is refused)."""
    limit = min(service.predictor().max_query_chars, service.search.retriever.max_query_chars)
    try:
        found = described(text, limit)
    except QueryError:
        return None
    return found.features, found.lang


def summarise(rows: Sequence[tuple[Pair, dict[str, float]]]) -> dict[str, float]:
    if not rows:
        return {"pairs": 0}
    figures = {
        "pairs": len(rows),
        "max_abs_dp": max(r["dp"] for _, r in rows),
        "abstention_changed": sum(r["abstention"] for _, r in rows) / len(rows),
        "top10_identical": sum(r["top"] for _, r in rows) / len(rows),
    }
    if all("same_input" in r for _, r in rows):
        figures["inputs_identical"] = sum(r["same_input"] for _, r in rows) / len(rows)
    return figures


def stratified(pairs: Sequence[Pair], n: int, seed: int = 16) -> list[Pair]:
    """``n`` pairs taken in turn from each (source, language, kind) stratum, shuffled."""
    rng = random.Random(seed)
    strata: dict[tuple[str, str, str], list[Pair]] = defaultdict(list)
    for pair in pairs:
        strata[pair.source, pair.lang, pair.kind].append(pair)
    queues = [rng.sample(group, len(group)) for _, group in sorted(strata.items())]
    chosen: list[Pair] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop())
    return chosen


def _breakdown(rows: Sequence[tuple[Pair, dict[str, float]]]) -> dict[str, dict[str, float]]:
    by = {}
    for name in ("source", "lang", "kind"):
        for value in sorted({getattr(p, name) for p, _ in rows}):
            by[f"{name}={value}"] = summarise([x for x in rows if getattr(x[0], name) == value])
    return by


def end_to_end(
    service: CaseService,
    pairs: Sequence[Pair],
    grouped: dict[ModelInput, Outcome | None],
    inputs: dict[str, ModelInput],
) -> dict:
    """Both raw descriptions of every pair through the service, no grouping; and the share of
    them whose outcome is their group's."""
    rows, agree = [], []
    for pair in pairs:
        a, b = run_one(service, pair.a), run_one(service, pair.b)
        rows.append((pair, compare(a, b)))
        agree += [a == grouped[inputs[pair.a]], b == grouped[inputs[pair.b]]]
    report = summarise(rows) | {"grouped_agreement": sum(agree) / max(len(agree), 1)}
    return report | {"by": _breakdown(rows)}


def evaluate(service: CaseService, pairs: Iterable[Pair], sample: int = 0) -> dict:
    """Figures overall (gated sources), per source, language and kind, with the service run
    once per distinct model input; and, with ``sample``, an end-to-end sample of that many
    gated pairs run without grouping."""
    started, cpu = time.perf_counter(), time.process_time()
    pairs = list(pairs)
    inputs = {
        t: model_input(service, t) for t in dict.fromkeys(t for p in pairs for t in (p.a, p.b))
    }
    grouped: dict[ModelInput, Outcome | None] = {}
    for text, key in inputs.items():
        if key not in grouped:
            grouped[key] = run_one(service, text)
    rows = [
        (
            p,
            compare(grouped[inputs[p.a]], grouped[inputs[p.b]])
            | {"same_input": float(inputs[p.a] == inputs[p.b])},
        )
        for p in pairs
    ]
    gated = [(p, r) for p, r in rows if p.source in GATED]
    report: dict = {
        "all": summarise(gated) | {"model_inputs": len(grouped), "descriptions": len(inputs)},
        "by": _breakdown(rows),
    }
    worst = max(gated, key=lambda x: x[1]["dp"], default=None)
    if worst:
        # Which kind of pair and source moved most: no text (the held-out texts are real acts).
        report["worst"] = {
            "source": worst[0].source,
            "lang": worst[0].lang,
            "kind": worst[0].kind,
        } | worst[1]
    if sample:
        chosen = stratified([p for p, _ in gated], sample)
        report["e2e"] = end_to_end(service, chosen, grouped, inputs)
    # Wall time, and this process's CPU time (what a loaded, shared machine does not inflate).
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["cpu_seconds"] = round(time.process_time() - cpu, 1)
    return report


def all_pairs(shared: Path = SHARED) -> list[Pair]:
    """The gated pairs (templates, acts, blind) and the held-out ones."""
    return template_pairs() + act_pairs() + blind_pairs() + heldout_pairs(shared)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--out", type=Path, default=Path("evals/runs/fairness"))
    parser.add_argument("--shared", type=Path, default=SHARED, help="The ../shared folder.")
    parser.add_argument("--sample", type=int, default=SAMPLE, help="End-to-end sample size.")
    args = parser.parse_args(argv)
    settings = Settings(store=StoreSettings(dir=args.store))
    services = Services(settings, make_embedder(query_settings(settings.embedder)))
    services.load()
    report = evaluate(services.cases, all_pairs(args.shared), args.sample)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fairness.json").write_text(json.dumps(report, indent=2), "utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
