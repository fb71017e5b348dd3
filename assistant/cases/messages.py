"""Reasons for abstaining and the advisory disclaimer, in kk, ru and en."""

from __future__ import annotations

from enum import StrEnum

from assistant.core.schemas import Lang


class Abstention(StrEnum):
    """Why no outcome is suggested."""

    OUT_OF_DOMAIN = "out_of_domain"
    FEW_PRECEDENTS = "few_precedents"
    LOW_CONFIDENCE = "low_confidence"


_REASONS: dict[Abstention, dict[Lang, str]] = {
    Abstention.OUT_OF_DOMAIN: {
        "kk": "Сипаттамаға ұқсас сот актісі табылмады (ең жақын ұқсастық {similarity:.2f}, "
        "шегі {floor:.2f}): болжам жасалмайды.",
        "ru": "Похожих судебных актов не найдено (наибольшее сходство {similarity:.2f} при "
        "пороге {floor:.2f}): прогноз не даётся.",
        "en": "No similar court act was found (best similarity {similarity:.2f}, floor "
        "{floor:.2f}): no estimate is given.",
    },
    Abstention.FEW_PRECEDENTS: {
        "kk": "Ұқсас прецеденттер тым аз ({count}, кемінде {needed} керек): болжам жасалмайды.",
        "ru": "Слишком мало похожих прецедентов ({count}, нужно не меньше {needed}): прогноз "
        "не даётся.",
        "en": "Too few similar precedents ({count}, at least {needed} needed): no estimate is "
        "given.",
    },
    Abstention.LOW_CONFIDENCE: {
        "kk": "Прецеденттер бір-біріне қайшы: ең ықтимал нәтиженің ықтималдығы {confidence:.0%}, "
        "шегі {threshold:.0%}. Болжам жасалмайды.",
        "ru": "Прецеденты расходятся: вероятность самого вероятного исхода {confidence:.0%} при "
        "пороге {threshold:.0%}. Прогноз не даётся.",
        "en": "The precedents disagree: the most likely outcome has {confidence:.0%}, below the "
        "{threshold:.0%} threshold. No estimate is given.",
    },
}

DISCLAIMER: dict[Lang, str] = {
    "kk": "Бұл тек кеңес беретін статистикалық бағалау, ол ұқсас бұрынғы істерге негізделген. "
    "Ол сот шешімі емес және судьяны ештеңеге міндеттемейді: істі судья заң мен іс "
    "материалдары бойынша дербес шешеді.",
    "ru": "Это лишь консультативная статистическая оценка по похожим прошлым делам. Она не "
    "является судебным решением и ни к чему не обязывает судью: дело разрешается судьёй "
    "самостоятельно на основе закона и материалов дела.",
    "en": "This is an advisory statistical estimate based on similar past cases only. It is not "
    "a judicial decision and does not bind the judge, who decides the case independently on the "
    "law and the case file.",
}

# Why the label may differ from the most probable outcome (assistant/cases/decision.py).
LABEL_RULE: dict[Lang, str] = {
    "kk": "Ықтималдықтар түзетілмеген, калибрленген бағалар. Белгі — ықтималдығы салмағына "
    "көбейтілгенде ең үлкен нәтиже: салмақтар оқыту актілерінде әр нәтиже бойынша дұрыс "
    "белгілерді теңестіру үшін (macro-F1) таңдалған, сондықтан сирек нәтиже ең ықтимал "
    "болмаса да белгі бола алады.",
    "ru": "Вероятности — откалиброванные оценки без поправок. Метка — исход с наибольшим "
    "произведением вероятности на вес: веса подобраны на обучающих актах, чтобы уравновесить "
    "верные метки по всем исходам (macro-F1), поэтому редкий исход может стать меткой, даже "
    "если он не самый вероятный.",
    "en": "The probabilities are calibrated and unadjusted. The label is the outcome with the "
    "largest probability × weight: the weights were chosen on the training acts to balance "
    "correct labels across outcomes (macro-F1), so a rare outcome can be the label without "
    "being the most probable.",
}


def label_rule(lang: Lang) -> str:
    """The localised explanation of the label rule."""
    return LABEL_RULE[lang]


def reason(kind: Abstention, lang: Lang, **values: float | int) -> str:
    """The localised reason for an abstention, with its figures filled in."""
    return _REASONS[kind][lang].format(**values)
