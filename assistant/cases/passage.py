"""What the embedder sees of a court act or of a situation typed by a judge.

Of an act: its facts and the court's reasoning up to the court's own findings (so that the
vector describes the situation and the evidence, not the result, which would otherwise leak into
the outcome model), with party names masked and Russian grammatical gender folded
(подсудимая → подсудим, нанесла → нанес), so that neither a name nor a gender can reach a vector
(CEPEJ non-discrimination). Kazakh has no grammatical gender; only names are masked there. The
folding is not meant to be good Russian: it only has to give the masculine and the feminine
version of a text the same form.
"""

from __future__ import annotations

import itertools
import re

from assistant.core.cases import CourtAct
from assistant.core.schemas import Lang
from assistant.core.text import detect_lang, normalize

PERSON = "Ф.И.О."
ORGANISATION = "ORG"
# Characters of the act passage; at ~4 characters per token this stays near 300 tokens, which
# keeps embedding cheap, and the facts get the larger share.
PASSAGE_CHARS = 1200
_FACTS_SHARE = 0.6

_UP = "А-ЯЁӘҒҚҢӨҰҮҺІ"
_LOW = "а-яёәғқңөұүһі"
# Initials, but not the "Ф.И.О.1" labels that acts already use for anonymised parties.
_INITIALS = rf"(?!Ф\.И\.О\.)[{_UP}]\.\s?(?:[{_UP}]\.)?"
_NAMES = (
    # An organisation by its legal form and quoted name: ТОО «Береке «Сауда»», АҚ «Тұмар».
    re.compile(r"(?:ТОО|АО|ИП|ГУ|КГУ|РГУ|ГКП|ЖШС|АҚ|ЖК|ПК|ОО)\s*«[^«»]*(?:«[^«»]*»[^«»]*)*»"),
    # "Ахметов А.Б.", "А.Б. Ахметова"
    re.compile(rf"(?<![\w.])[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?\s+{_INITIALS}"),
    re.compile(rf"(?<![\w.]){_INITIALS}\s?[{_UP}][{_LOW}]+"),
    # A capitalised surname in any case form: Ахметов, Ахметовой, Сулейменова, Жұмабайұлы.
    re.compile(
        rf"(?<![\w.])[{_UP}][{_LOW}]+(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ой|е|ы|ых)?(?![\w])"
        rf"|(?<![\w.])[{_UP}][{_LOW}]+(?:ұлы|қызы|улы|кызы)(?![\w])"
    ),
)

_RU_WORD = re.compile("[А-Яа-яЁё]+")
_VOWELS = frozenset("аеиоуыэюя")
_PRONOUNS = {"она": "он", "ее": "его", "ей": "ему", "нее": "него", "ней": "нем", "ним": "нем",
             "сама": "сам"}  # fmt: skip
# Words naming people: every case and gender form folds to the stem.
_PERSON_STEMS = re.compile(
    r"(подсудим|потерпевш|обвиняем|осужденн|оправданн|задержанн|пострадавш|умерш|погибш|виновн"
    r"|незнаком|знаком|связанн|выходящ|введенн|сво)"
    r"(?:ый|ий|ая|яя|ое|ее|ого|его|ому|ему|ым|им|ом|ем|ой|ей|ую|юю|ые|ие|ых|их|ыми|ими|й|я|е|ю)?"
)
_PERSON_NOUNS = (
    (re.compile(r"сосед(?:ка|ки|ке|ку|кой|а|у|ом|е|и|ей)?"), "сосед"),
    (re.compile(r"сожител(?:ь|ьница|ьницы|ьнице|ьницу|ьницей|я|ю|ем|е|и|ей)"), "сожитель"),
    (re.compile(r"родственни(?:к|ка|ку|ком|ке|ца|цы|це|цу|цей)"), "родственник"),
    (re.compile(r"(?:друг|подруг)(?:а|у|ом|е|и|ой)?"), "друг"),
    (re.compile(r"супруг(?:а|у|ом|е|и|ой)?"), "супруг"),
    (re.compile(r"(?:брат|сестр)(?:а|у|ом|е|ы|ой)?"), "брат"),
    (re.compile(r"граждан(?:ин|ина|ину|ином|ине|ка|ки|ке|ку|кой)"), "гражданин"),
)
_SHORT_ADJ = re.compile(r"(\w+[бвгджзклмнпрстфхцчшщ])на")  # причастна → причастен


# What the court found and decided must not reach the vector an outcome is predicted from (nor
# make similar situations look different). Sentences stating the result of the case or the
# standing formula of a verdict ("совершил преступление при следующих обстоятельствах") are left
# out; the reasoning is cut where the court starts to evaluate the evidence or to decide.
_CHARGED = re.compile(r"(?im)^.*?обвиня\w* в том,? что\s*")
_STATES = re.compile(
    r"(?i)преступление при следующих|при следующих обстоятельствах"
    r"|мынадай мән-жайларда|жасады деп айыпта|^\s*(?:установил\w*|анықтады)\s*:?\s*$"
)
_DECIDES = re.compile(
    r"(?i)оценив|приходит к выводу|суд наход|суд призна|квалифицир|подлеж|вердикт|признали"
    r"|нашла подтверждение|не подтвержд|при таких обстоятельствах|на основании изложенного"
    r"|при назначении наказания|примирени|отказался от обвинения"
    r"|бағалай келе|деген тұжырым|туралы тұжырым|жатады|жатпайды|саралайды|жаза тағайында"
    r"|негізді деп|баяндалғанның негізінде|татуласқан|айыптаудан бас тарт"
)
_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n+")


def _fold_word(word: str) -> str:
    """The gender-folded form of one lower-case Russian word (ё already replaced by е)."""
    if word in _PRONOUNS:
        return _PRONOUNS[word]
    if (match := _PERSON_STEMS.fullmatch(word)) is not None:
        return match.group(1)
    for pattern, lemma in _PERSON_NOUNS:
        if pattern.fullmatch(word):
            return lemma
    if word.endswith("шла"):  # пришла → пришел
        return word[:-3] + "шел"
    if len(word) > 5 and word.endswith(("лась", "лось")):  # оборонялась → оборонялся
        return word[:-4] + "лся"
    if len(word) > 3 and word.endswith("ла"):  # совершила → совершил, нанесла → нанес
        stem = word[:-2]
        return stem + "л" if stem[-1] in _VOWELS else stem
    if len(word) > 4 and word.endswith(("ена", "ана")):  # ознакомлена → ознакомлен
        return word[:-1]
    if (match := _SHORT_ADJ.fullmatch(word)) is not None:
        return match.group(1) + "ен"
    if len(word) > 4 and word.endswith(("ята", "ута", "ыта")):  # снята → снят
        return word[:-1]
    return word


def _fold_gender(text: str) -> str:
    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower().replace("ё", "е")
        folded = _fold_word(lower)
        if folded == lower:
            return word.replace("ё", "е").replace("Ё", "Е")
        return (
            folded.upper()
            if word.isupper()
            else folded.capitalize()
            if word[0].isupper()
            else folded
        )

    return _RU_WORD.sub(fold, text)


def mask_names(text: str) -> str:
    """The text with organisations as "ORG" and personal names (surname with initials,
    surname-like words) as "Ф.И.О."."""
    text = _NAMES[0].sub(ORGANISATION, text)
    for pattern in _NAMES[1:]:
        text = pattern.sub(PERSON, text)
    return text


def neutral_text(text: str, lang: Lang | None = None) -> str:
    """Normalised text with names masked and, in Russian, grammatical gender folded."""
    text = mask_names(normalize(text))
    return _fold_gender(text) if (lang or detect_lang(text)) == "ru" else text


def _head(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut after a sentence or else at a space."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    if end > limit // 2:
        return cut[: end + 1]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


def _sentences(text: str) -> list[str]:
    """Sentences of a part without the formulae that present its facts as proven or charged."""
    return [
        s for s in _SENTENCE.split(_CHARGED.sub("", text)) if s.strip() and not _STATES.search(s)
    ]


def narrative(facts: str) -> str:
    """The facts of an act as a plain account of what happened."""
    return " ".join(_sentences(facts))


def without_findings(reasoning: str) -> str:
    """The reasoning up to the first sentence in which the court evaluates or decides."""
    return " ".join(itertools.takewhile(lambda s: not _DECIDES.search(s), _sentences(reasoning)))


def _mask_parties(text: str, act: CourtAct) -> str:
    """Party names as the act gives them (organisations, bodies) replaced by a placeholder."""
    for party in sorted(act.parties, key=lambda p: -len(p.label)):
        if not party.label.startswith(PERSON):
            text = text.replace(party.label, ORGANISATION)
    return text


def act_passage(act: CourtAct) -> str:
    """The neutral facts and reasoning of an act without the court's findings, at most
    ``PASSAGE_CHARS`` long (cut after neutralising, so names and gender cannot move the cut)."""
    facts, reasoning = (
        neutral_text(_mask_parties(part, act), act.lang)
        for part in (narrative(act.facts), without_findings(act.reasoning))
    )
    facts = _head(facts, int(PASSAGE_CHARS * _FACTS_SHARE))
    reasoning = _head(reasoning, PASSAGE_CHARS - len(facts))
    return "\n\n".join(p for p in (facts, reasoning) if p)
