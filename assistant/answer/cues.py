"""What a question asks for (an amount, a time, a person, a place, a reason) and whether it is
about jury duty at all, read from its wording in folded text (kk, ru, en).

Question types break near ties between FAQ entries on one subject: "сколько присяжных" and
"что такое суд присяжных" share every content word, but only one entry answers "сколько".
"""

from __future__ import annotations

import re

from assistant.answer.models import RefusalReason
from assistant.core.text import terms

_TYPES = {
    "amount": (
        # "қанша уақыт", "сколько длится" ask for a duration, "неше күн бұрын" for a time.
        r"(?:сколько|скока|канша|неше)(?!\s+(?:уакыт|мерзим|длит|времен|дней|кун))"
        r"|скольк(?!о)\w+|how (?:many|much|big)(?! days)|what majority|размер\w*|молшер\w*"
    ),
    "time": (
        r"когда|до какого|в какой момент|за какой срок|через сколько|за сколько|кашан"
        r"|кай кезде\w*|кай кезенге|(?:канша|неше) (?:уакыт|кун) бурын|when|until when"
        r"|how (?:soon|early|far ahead|long before|many days)|in advance"
    ),
    "duration": (
        r"как долго|сколько длит\w*|на какой срок|how long(?! before)"
        r"|канша (?:уакыт|мерзим\w*)(?! бурын)"
    ),
    "person": r"кто|кого|кому|кем|ким|кимге|кимди|who|whom",
    "place": r"где|куда|кайда|кай жерде|в каком регионе|where|which (?:court|region|city)",
    "reason": r"почему|зачем|для чего|неге|why",
}
# What an answer must name besides its kind: money (the pay, the costs repaid) or what follows
# from an act (the fine, the liability). "How much are jurors paid" and "how many jurors" both
# ask an amount about jurors; only one of them is about money.
_SUBJECTS = {
    "money": (
        r"плат\w*|оплат\w*|сколько получа\w*|зарплат\w*|заработ\w*|деньг\w*|денег|тенге"
        r"|стоимост\w*|вознагражд\w*|компенс\w*|возмещ\w*|расход\w*|жалакы\w*|акша\w*|акы\w*"
        r"|толе\w*|толен\w*|отемакы\w*|сыйакы\w*|енбекакы\w*|шыгын\w*|pay|pays|paid|payment"
        r"|salary|money|wages?|compensat\w*|reimburs\w*|costs?|expenses?"
    ),
    "consequence": (
        r"что (?:мне |ему |ей |им )?будет|что (?:мне |ему )?грозит|чем грозит|штраф\w*"
        r"|ответственност\w*|наказ\w*|не болады|айыппул\w*|жауапкершил\w*|жаза(?:сы|га|ны|лар\w*)?"
        r"|what happens|what if|penalt\w*|fines?|fined|punish\w*|consequences?|liab\w*"
    ),
    # An acquittal: "how many votes to acquit" is another entry than "how many to convict".
    # (Bare "ақтау" is the town Aktau as often.)
    "acquittal": (
        r"оправда\w*|невиновн\w*|актау (?:укими|вердикти)\w*|акталу\w*|актал\w*|актауы\w*"
        r"|актайды|актауга|кинасиз\w*|acquit\w*|not guilty"
    ),
    # An age: how old one must (or may no longer) be.
    "age": (
        r"\d\d\s*(?:год\w*|лет|жас\w*|years?)|(?:мне|ей|ему|i am|im|i'm) \d\d|возраст\w*"
        r"|пожил\w*|пенсионер\w*|старше|жасы|жасым\w*|жаста|жастан|жаска|егде\w*|зейнет\w*"
        r"|ages?|how old|older|elderly|pensioner\w*"
    ),
}
# The subjects: an entry none of whose variants names one cannot answer a question about it.
SUBJECTS = frozenset(_SUBJECTS)
# Subjects concrete enough to decide: a question about money, an age or an acquittal is
# answered by an entry
# some variant of which (in any language) names it, when there is one ("what happens" is asked
# of many entries that never say so).
DECISIVE_SUBJECTS = frozenset({"money", "age", "acquittal"})
_TYPE_PATTERNS = {
    name: re.compile(rf"\b(?:{words})\b") for name, words in {**_TYPES, **_SUBJECTS}.items()
}

# Words that tie a question to jury duty: jurors and their panel, and the steps only jury duty
# has (selection, lots, challenges, verdict, deliberation, the jury notice, the oath), and the
# defendant and the acquittal a jury trial is about.
_JURY = re.compile(
    r"присяж|заседател\w|алкаби|\bалка\w*|жюри|\bjur(?:y|or|ies|ors)|коллеги|вердикт|кандидат"
    r"|отбор|ириктеу|жереб|запасн|самоотвод|отвод|совещательн|кенесу|deliberat|verdict"
    r"|\bpanel|selection|summons|notified|хабарлама|извещени|повестк"
    r"|присяг|\bант\b|\bant\b|oath|sworn|подсудим|сотталушы|defendant|оправда|актау|acquit"
    r"|напутств|председательствующ|(?:вызов|вызыва|вызва)\w* в суд|сотка шакыр"
    r"|письм\w* из суда"
)
# Other legal matters the guidance does not cover. A question naming one and no jury word is
# off topic however close its wording is to an FAQ entry ("как стать судьёй" is one word away
# from "как стать присяжным").
_ELSEWHERE = re.compile(
    r"|".join(
        [
            # careers in the justice system
            r"\b(?:стать|работать|устроиться|болу|болып|become|becoming|work as)\b.{0,25}"
            r"\b(?:судь\w*|адвокат\w*|прокурор\w*|юрист\w*|следовател\w*|нотариус\w*|полицейск\w*"
            r"|тергеуши\w*|зангер\w*|judge|lawyer|attorney|prosecutor|notary|police\w*)",
            # job hunting, money markets, weather
            r"\b(?:жумыс изде\w*|ищу работу|вакансi\w*|ваканси\w*|резюме|туйиндеме\w*|job hunt\w*"
            r"|доллар\w*|dollar\w*|курс валют\w*|exchange rate\w*|валют\w*|погод\w*|ауа райы"
            r"|weather)\b",
            r"\b(?:судь\w*|адвокат\w*|прокурор\w*|юрист\w*|judge|lawyer|attorney|prosecutor)\b"
            r".{0,25}\b(?:болу|болып|экзамен\w*|емтихан\w*|exam\w*|образовани\w*|degree)",
            # family, property, money, migration
            r"\b(?:развод\w*|развест\w*|ажырас\w*|divorc\w*|алимент\w*|alimony|наследств\w*"
            r"|мура\w*|inherit\w*|налог\w*|салык\w*|tax\w*|виз[аыу]|визасы|visa\w*"
            r"|загранпаспорт\w*|passport\w*|ипотек\w*|mortgage)\b",
            # other kinds of cases and fees
            r"\b(?:гражданск\w+ дел\w*|civil (?:case|lawsuit|claim)|lawsuit\w*|госпошлин\w*"
            r"|court fee\w*|парков\w*|parking|скорост\w*|speeding|жол полиция\w*|traffic"
            r"|register a company)\b",
        ]
    )
)


# Words any question to the service may carry (the country it serves): they tell no entry from
# another, and an entry with one in a variant ("how many jurors are there in kazakhstan") would
# draw every question that names it.
_CONTEXT = re.compile(r"\b(?:(?:в|во|in)\s+)?(?:казахста|казакста|kazakhsta|qazaqsta)\w*")


def without_context(folded: str) -> str:
    """A (folded) text without the words any question to the service may carry."""
    return _CONTEXT.sub(" ", folded)


def question_cues(folded: str) -> dict[str, frozenset[str]]:
    """The kinds of answer a (folded) question asks for (and the subjects it must name: money,
    consequences), each with its focus: the content terms next to the question word ("сколько
    *присяжных*", "*алқабилер* саны қанша", "how many *jurors*")."""
    cues: dict[str, frozenset[str]] = {}
    for name, pattern in _TYPE_PATTERNS.items():
        found = pattern.search(folded)
        if found:
            before = terms(folded[: found.start()], folded=True)[-1:]
            after = terms(folded[found.end() :], folded=True)[:1]
            cues[name] = frozenset([*before, *after])
    return cues


def about_jury(folded: str) -> bool:
    """The (folded) question names jurors or a step of jury duty."""
    return _JURY.search(folded) is not None


def elsewhere(folded: str) -> bool:
    """The (folded) question names a legal matter outside jury duty (careers, family, tax...)."""
    return _ELSEWHERE.search(folded) is not None


def out_of_scope(
    folded: str,
    score: float,
    foreign: bool,
    support_min: float,
    off_topic_min: float,
    foreign_min: float,
    foreign_off_topic_min: float,
) -> RefusalReason | None:
    """Why a question with this best FAQ score is refused, or None when it is in scope.

    The FAQ covers every guidance topic, so a question no entry comes near has no support. A
    question without a jury word needs a closer match (``off_topic_min``) than one with
    (``support_min``), and is off topic outright when it names another legal matter.
    ``foreign``: the question has a content word no FAQ or guidance text uses ("музыку",
    "кофе"); such a question needs a closer match still: ``foreign_min`` with a jury word (else
    it is about jurors, but nothing here supports it), ``foreign_off_topic_min`` without one.
    """
    if about_jury(folded):
        unsupported = score < support_min or (foreign and score < foreign_min)
        return RefusalReason.NO_SUPPORT if unsupported else None
    least = max(off_topic_min, foreign_off_topic_min if foreign else 0.0, support_min)
    if elsewhere(folded) or score < least:
        return RefusalReason.OFF_TOPIC
    return None
