"""Text of synthetic court acts in Kazakh and Russian, part by part.

The generator decides everything that matters (facts, latent factors, outcomes, reviews); this
module only words it. Wording choices (which fact template, which evidence items) come from the
text random stream passed in, so they never feed back into outcomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Any, NamedTuple

from assistant.core.cases import CRIMINAL_CATEGORIES
from demo.cases import patterns as P
from demo.cases.words import (
    kk_date,
    kk_date_attr,
    money,
    ru_date,
    ru_plural,
    ru_surname_gen,
    surname,
)
from indexer.cases.vocab import Region

_SLOT = re.compile(r"\{([A-Za-z0-9_]+(?:\.[a-z0-9_]+)?)\}")
_MARKUP = re.compile(r"\{(g|vg|rg|pg):([^{}]*)\}")
_GENDER_INDEX = {"m": 0, "f": 1, "n": 2}


def fill(template: str, ctx: dict[str, str], genders: dict[str, str]) -> str:
    """Substitute ``{name}`` slots (slot values may hold slots) then ``{g:м|ж|ср}`` markup."""
    text = template
    for _ in range(3):
        try:
            new = _SLOT.sub(lambda m: ctx[m.group(1)], text)
        except KeyError as exc:
            raise KeyError(f"template needs {exc.args[0]!r}: {template[:80]!r}") from None
        if new == text:
            break
        text = new

    def pick(match: re.Match[str]) -> str:
        options = match.group(2).split("|")
        index = _GENDER_INDEX[genders[match.group(1)]]
        return options[index] if index < len(options) else options[0]

    return _MARKUP.sub(pick, text)


class Sections(NamedTuple):
    """The four parts of an act, in order."""

    introduction: str
    facts: str
    reasoning: str
    operative: str


@dataclass(frozen=True)
class Person:
    """A synthetic official: surname stem in both spellings, gender, initials."""

    ru: str
    kk: str
    gender: str
    initials: str

    def name(self, lang: str) -> str:
        return f"{surname(self.kk if lang == 'kk' else self.ru, self.gender)} {self.initials}"

    def ru_gen(self) -> str:
        return f"{ru_surname_gen(self.ru, self.gender)} {self.initials}"

    def ru_prep(self) -> str:
        """Prepositional ("при секретаре Ермековой"): -ов → -ове, -ова → -овой."""
        stem = self.ru + ("ой" if self.gender == "f" else "е")
        return f"{stem} {self.initials}"


@dataclass(frozen=True)
class Court:
    """A court's name in the two cases acts need, in both languages."""

    ru_nom: str
    ru_gen: str
    kk_nom: str
    kk_gen: str

    def nom(self, lang: str) -> str:
        return self.kk_nom if lang == "kk" else self.ru_nom


@dataclass(frozen=True)
class Sentence:
    """A punishment: ``kind`` is prison, restriction or life."""

    kind: str
    years: int


@dataclass(frozen=True)
class Review:
    """An appeal or cassation act about a first-instance act."""

    instance: str
    case_id: str
    date: date
    decision: str  # upheld, changed, overturned
    ground: str  # none, deviation, procedural, sentence, amount
    outcome_before: str | None
    outcome_after: str | None
    court: Court
    judges: tuple[Person, Person, Person]
    new_sentence: Sentence | None = None
    new_awarded: int | None = None


@dataclass
class Story:
    """Everything the text of one case (and its reviews) is made from."""

    pattern: P.CrimePattern | P.ClaimPattern
    lang: str
    case_id: str
    date: date
    region: Region
    court: Court
    judge: Person
    secretary: Person
    prosecutor: Person
    lawyer: Person
    genders: dict[str, str]
    ctx: dict[str, str]
    latent: dict[str, Any]
    outcome: str
    defect: int = 0  # which PROCEDURAL_DEFECTS item the defence raises, if any
    second_count: bool = False
    sentence: Sentence | None = None
    awarded: int | None = None
    reviews: list[Review] = field(default_factory=list)

    @property
    def criminal(self) -> bool:
        return self.pattern.category in CRIMINAL_CATEGORIES

    @property
    def jury(self) -> bool:
        return self.pattern.category == "criminal_jury"

    def t(self, ru: str, kk: str) -> str:
        """Fill the template of the story's language."""
        return self.f(kk if self.lang == "kk" else ru)

    def f(self, template: str) -> str:
        """Fill one template with the story's slots and genders."""
        return fill(template, self.ctx, self.genders)

    def pick(self, pair: tuple[str, str]) -> str:
        return self.t(*pair)


def _header(
    story: Story, title: str, when: date, in_the_name: bool, city: str | None = None
) -> str:
    kk = story.lang == "kk"
    place = city or (story.region.kk_center if kk else story.region.ru_center)
    lines = [title]
    if in_the_name:
        lines.append("ҚАЗАҚСТАН РЕСПУБЛИКАСЫНЫҢ АТЫНАН" if kk else "ИМЕНЕМ РЕСПУБЛИКИ КАЗАХСТАН")
    stamp = f"{kk_date(when)}        {place} қаласы" if kk else f"{ru_date(when)}        г. {place}"
    return "\n".join(lines) + "\n\n" + stamp


# --- criminal, first instance ----------------------------------------------------------------


def _cites(story: Story) -> tuple[str, str]:
    """Main citation and, with two counts, the joint one ("… и …")."""
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    main = story.pick(pat.cite)
    if not story.second_count:
        return main, main
    other = story.pick(pat.second.cite)
    return main, (f"{main} және {other}" if story.lang == "kk" else f"{main}, {other}")


def _sentence_text(story: Story, sentence: Sentence) -> str:
    """Operative wording of a punishment."""
    y = sentence.years
    if story.lang == "kk":
        if sentence.kind == "life":
            return "өмір бойына бас бостандығынан айыру түріндегі жаза тағайындалсын."
        if sentence.kind == "restriction":
            return (
                f"{y} жыл мерзімге бас бостандығын шектеу түріндегі жаза тағайындалсын, "
                "пробациялық бақылау белгіленсін."
            )
        regime = "барынша" if y >= 10 else "орташа" if y >= 5 else "төмен"
        return (
            f"{y} жыл мерзімге бас бостандығынан айыру түріндегі жаза тағайындалсын, жазасын "
            f"{regime} қауіпсіздік мекемесінде өтесін."
        )
    years = ru_plural(y, "год", "года", "лет")
    if sentence.kind == "life":
        return "пожизненного лишения свободы"
    if sentence.kind == "restriction":
        return f"ограничения свободы сроком на {years} с установлением пробационного контроля"
    regime = "максимальной" if y >= 10 else "средней" if y >= 5 else "минимальной"
    return (
        f"лишения свободы сроком на {years} с отбыванием наказания в учреждении {regime} "
        "безопасности"
    )


def _sentence_short(story: Story, sentence: Sentence) -> str:
    """How a later act recalls the punishment: "к лишению свободы на 8 лет" / "8 жыл … жазасы"."""
    y = sentence.years
    if story.lang == "kk":
        if sentence.kind == "life":
            return "өмір бойына бас бостандығынан айыру жазасы"
        if sentence.kind == "restriction":
            return f"{y} жыл мерзімге бас бостандығын шектеу жазасы"
        return f"{y} жыл мерзімге бас бостандығынан айыру жазасы"
    years = ru_plural(y, "год", "года", "лет")
    if sentence.kind == "life":
        return "к пожизненному лишению свободы"
    if sentence.kind == "restriction":
        return f"к ограничению свободы сроком на {years}"
    return f"к лишению свободы сроком на {years}"


def _criminal_intro(story: Story, rng: Random) -> str:
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    terminated = story.outcome == "terminated"
    kk = story.lang == "kk"
    if kk:
        title = "ҚАУЛЫ" if terminated else "ҮКІМ"
    else:
        title = "ПОСТАНОВЛЕНИЕ" if terminated else "ПРИГОВОР"
    head = _header(story, title, story.date, in_the_name=not terminated)
    _, cites = _cites(story)
    birth = story.date.year - rng.randint(19, 62)
    education = rng.choice(
        (
            ("со средним образованием", "орта білімді"),
            ("со средним специальным образованием", "арнаулы орта білімді"),
            ("с высшим образованием", "жоғары білімді"),
        )
    )
    family = rng.choice(
        (
            ("{g:женатого|замужней}", "{g:үйленген|күйеуге шыққан}"),
            ("{g:холостого|незамужней}", "{g:бойдақ|тұрмыс құрмаған}"),
            ("{g:разведённого|разведённой}", "ажырасқан"),
        )
    )
    work = rng.choice(
        (
            ("{g:неработающего|неработающей}", "жұмыссыз"),
            ("{g:работающего|работающей} по найму", "жалдамалы жұмыс істейтін"),
            ("индивидуального предпринимателя", "жеке кәсіпкер"),
        )
    )
    record = (
        ("ранее {g:судимого|судимой}", "бұрын сотталған")
        if story.latent["aggravating"] and rng.random() < 0.6
        else ("ранее не {g:судимого|судимой}", "бұрын сотталмаған")
    )
    victim = pat.victim
    if kk:
        jury = " алқабилердің қатысуымен," if story.jury else ""
        who = {
            "alive": ", жәбірленуші Ф.И.О.2",
            "dead": ", жәбірленушінің өкілі Ф.И.О.3",
            "none": "",
        }[victim]
        offences = "құқық бұзушылықтар" if story.second_count else "құқық бұзушылық"
        body = (
            f"{story.court.kk_nom}, төрағалық етуші судья {story.judge.name('kk')}, сот "
            f"отырысының хатшысы {story.secretary.name('kk')}, мемлекеттік айыптаушы – прокурор "
            f"{story.prosecutor.name('kk')}, қорғаушы – адвокат {story.lawyer.name('kk')}, "
            f"сотталушы Ф.И.О.1{who} қатысуымен,{jury} ашық сот отырысында {birth} жылы туған, "
            f"Қазақстан Республикасының азаматы, {education[1]}, {family[1]}, {work[1]}, "
            f"{record[1]} Ф.И.О.1-ге қатысты, оны {cites} бойынша қылмыстық {offences} "
            f"жасады деп айыптау бойынша № {story.case_id} қылмыстық істі қарап,"
        )
    else:
        jury = " с участием коллегии присяжных заседателей" if story.jury else ""
        who = {
            "alive": ", потерпевш{vg:его|ей} Ф.И.О.2",
            "dead": ", представителя потерпевшего Ф.И.О.3",
            "none": "",
        }[victim]
        crimes = (
            "преступлений, предусмотренных"
            if story.second_count
            else "преступления, предусмотренного"
        )
        body = (
            f"{story.court.ru_nom} в составе председательствующего судьи {story.judge.ru_gen()}"
            f"{jury}, при секретаре судебного заседания {story.secretary.ru_prep()}, с участием "
            f"государственного обвинителя {story.prosecutor.ru_gen()}, защитника – адвоката "
            f"{story.lawyer.ru_gen()}, подсудим{{g:ого|ой}} Ф.И.О.1{who}, рассмотрев в открытом "
            f"судебном заседании уголовное дело № {story.case_id} по обвинению Ф.И.О.1, {birth} "
            f"года рождения, {{g:гражданина|гражданки}} Республики Казахстан, {education[0]}, "
            f"{family[0]}, {work[0]}, {record[0]}, в совершении {crimes} {cites},"
        )
    return head + "\n\n" + fill(body, story.ctx, story.genders)


def _facts_text(story: Story, variant: int, established: bool) -> str:
    """The fact template filled for a narrative of established facts or of the charge."""
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    ctx = dict(story.ctx)
    if story.lang == "kk":
        ctx.update(subj="Ф.И.О.1", subj_short="Ф.И.О.1", subj_kk="Ф.И.О.1")
    elif established:
        ctx.update(subj="Ф.И.О.1", subj_short="Ф.И.О.1")
    else:
        ctx.update(subj="{g:он|она}", subj_short="{g:он|она}")
    ru, kk = pat.facts[variant]
    text = fill(kk if story.lang == "kk" else ru, ctx, story.genders)
    if story.second_count:
        text += " " + fill(pat.second.facts[story.lang == "kk"], ctx, story.genders)
    return text


def _criminal_facts(story: Story, variant: int) -> str:
    established = story.outcome in ("guilty", "partly_guilty")
    narrative = _facts_text(story, variant, established)
    if story.lang == "kk":
        lead = (
            "Сотталушы Ф.И.О.1 қылмысты мынадай мән-жайларда жасады."
            if established
            else "Сотқа дейінгі тергеп-тексеру органы Ф.И.О.1-ді мынадай әрекеттерді жасады деп "
            "айыптады."
        )
        heading = "АНЫҚТАДЫ:"
    else:
        lead = (
            story.f(
                "Подсудим{g:ый|ая} Ф.И.О.1 совершил{g:|а} преступление при следующих "
                "обстоятельствах."
            )
            if established
            else ""
        )
        heading = "УСТАНОВИЛ:"
        if not established:
            narrative = (
                "Ф.И.О.1 органом досудебного расследования обвиняется в том, что " + narrative
            )
    parts = [heading]
    if lead:
        parts.append(lead)
    parts.append(narrative)
    return "\n".join(parts)


def _evidence_items(story: Story, rng: Random) -> list[str]:
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    strength = story.latent["evidence_strength"]
    specific = list(pat.evidence)
    generic = list(pat.family.evidence)
    rng.shuffle(specific)
    rng.shuffle(generic)
    if strength < 0.35:
        chosen = specific[:1] + generic[: rng.randint(0, 1)]
    elif strength < 0.7:
        chosen = specific[:2] + generic[:1]
    else:
        chosen = specific[: rng.randint(2, 3)] + generic[:1] + list(pat.family.strong_evidence)
    return [story.pick(item) for item in chosen]


def _criminal_reasoning(story: Story, rng: Random) -> str:
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    lat = story.latent
    kk = story.lang == "kk"
    out: list[str] = []
    if story.jury:
        out.append(
            story.t(
                "Исследовав в судебном заседании с участием присяжных заседателей представленные "
                "сторонами доказательства, суд приходит к следующему.",
                "Алқабилердің қатысуымен өткен сот отырысында тараптар ұсынған дәлелдемелерді "
                "зерттеп, "
                "сот мынадай тұжырымға келеді.",
            )
        )
    else:
        out.append(
            story.t(
                "Исследовав представленные сторонами доказательства, выслушав участников процесса, "
                "суд "
                "приходит к следующему.",
                "Тараптар ұсынған дәлелдемелерді зерттеп, процеске қатысушыларды тыңдап, сот "
                "мынадай "
                "тұжырымға келеді.",
            )
        )
    # Defendant's position follows the latent confession and alibi.
    if lat["confession"]:
        out.append(
            story.t(
                "В судебном заседании подсудим{g:ый|ая} Ф.И.О.1 вину в предъявленном обвинении "
                "признал{g:|а} полностью, в содеянном раскаял{g:ся|ась} и дал{g:|а} показания, "
                "соответствующие обстоятельствам, изложенным в обвинении.",
                "Сот отырысында сотталушы Ф.И.О.1 тағылған айыпқа өз кінәсін толық мойындап, "
                "істеген "
                "әрекетіне шын жүректен өкінді және айыптауда баяндалған мән-жайларға сәйкес "
                "келетін "
                "жауап берді.",
            )
        )
    elif lat["alibi"]:
        ru, kk_text = rng.choice(P.ALIBI.options)
        out.append(
            story.t(
                "Подсудим{g:ый|ая} Ф.И.О.1 вину не признал{g:|а} и показал{g:|а}, что во время "
                f"происшествия находил{{g:ся|ась}} {ru}; эти показания подтвердили допрошенные по "
                "ходатайству защиты свидетели Ф.И.О.5 и Ф.И.О.6.",
                f"Сотталушы Ф.И.О.1 кінәсін мойындамай, оқиға болған уақытта {kk_text} болғанын "
                "айтты; "
                "бұл жауапты қорғау тарапының өтінішімен жауап алынған куәлар Ф.И.О.5 және Ф.И.О.6 "
                "растады.",
            )
        )
    else:
        denial = story.pick(rng.choice(pat.family.denial))
        out.append(
            story.t(
                f"Подсудим{{g:ый|ая}} Ф.И.О.1 вину не признал{{g:|а}}, заявив, что {denial}.",
                f"Сотталушы Ф.И.О.1 кінәсін мойындамай, {denial} айтты.",
            )
        )
    if pat.victim == "alive":
        says = story.pick(pat.family.victim_says)
        out.append(
            story.t(
                "Потерпевш{vg:ий|ая} Ф.И.О.2 в суде подтвердил{vg:|а} обстоятельства происшествия "
                "и "
                f"пояснил{{vg:|а}}, что {says}.",
                f"Жәбірленуші Ф.И.О.2 сотта оқиғаның мән-жайын растап, {says} түсіндірді.",
            )
        )
    elif pat.victim == "dead":
        out.append(
            story.t(
                "Представитель потерпевшего Ф.И.О.3 пояснил{rg:|а}, что о гибели родственника "
                "узнал{rg:|а} от сотрудников полиции, и просил{rg:|а} назначить строгое наказание.",
                "Жәбірленушінің өкілі Ф.И.О.3 туысының қайтыс болғаны туралы полиция "
                "қызметкерлерінен білгенін айтып, қатаң жаза тағайындауды сұрады.",
            )
        )
    items = "; ".join(_evidence_items(story, rng))
    out.append(
        story.t(
            f"Стороной обвинения представлены: {items}.",
            f"Айыптау тарапы мына дәлелдемелерді ұсынды: {items}.",
        )
    )
    strength = lat["evidence_strength"]
    if strength < 0.35:
        out.append(
            story.t(
                "Иных доказательств, прямо указывающих на причастность подсудим{g:ого|ой}, "
                "стороной "
                "обвинения не представлено, очевидцев происшествия не установлено.",
                "Сотталушының қылмысқа қатыстылығын тікелей көрсететін өзге дәлелдемелер айыптау "
                "тарапымен ұсынылмады, оқиғаны көргендер анықталмады.",
            )
        )
    elif strength >= 0.7:
        out.append(
            story.t(
                "Показания свидетелей последовательны, согласуются между собой и с письменными "
                "материалами дела.",
                "Куәлардың жауаптары дәйекті, бір-бірімен және істің жазбаша материалдарымен "
                "үйлеседі.",
            )
        )
    expert_name = story.pick(pat.family.expert)
    if lat["expert"] == "supports":
        finding = story.pick(pat.family.expert_support)
        out.append(
            story.t(
                f"Согласно заключению {expert_name}, {finding}.",
                f"{_upper_first(expert_name)} қорытындысына сәйкес, {finding}.",
            )
        )
    elif lat["expert"] == "contradicts":
        finding = story.pick(pat.family.expert_contra)
        out.append(
            story.t(
                f"Вместе с тем согласно заключению {expert_name} {finding}.",
                f"Сонымен бірге {expert_name} қорытындысына сәйкес, {finding}.",
            )
        )
    else:
        out.append(
            story.t(
                f"Заключение {expert_name} категоричных выводов не содержит.",
                f"{_upper_first(expert_name)} қорытындысында нақты тұжырымдар жоқ.",
            )
        )
    defect = P.PROCEDURAL_DEFECTS[story.defect]
    if lat["procedural_violation"]:
        out.append(
            story.t(
                f"Защитник заявил ходатайство о признании {defect[0]} недопустимым "
                "доказательством, "
                f"указав, что {defect[1]}. Суд ходатайство отклонил, сочтя нарушение "
                "несущественным.",
                f"Қорғаушы {defect[2]} жол берілмейтін дәлелдеме деп тану туралы өтініш білдіріп, "
                f"{defect[3]} көрсетті. Сот бұзушылықты елеусіз деп тауып, өтінішті "
                "қанағаттандырмады.",
            )
        )
    elif rng.random() < 0.5:
        out.append(
            story.t(
                "Нарушений уголовно-процессуального закона при собирании доказательств не "
                "установлено.",
                "Дәлелдемелерді жинау кезінде қылмыстық-процестік заң бұзушылықтары анықталған "
                "жоқ.",
            )
        )
    out.append(_criminal_conclusion(story))
    if story.outcome in ("guilty", "partly_guilty"):
        out.append(_punishment_reasons(story, rng))
    if kk:
        out.append(
            "Жоғарыда баяндалғанның негізінде, Қазақстан Республикасы ҚПК-нің талаптарын "
            "басшылыққа алып, сот"
        )
    else:
        out.append("На основании изложенного, руководствуясь УПК Республики Казахстан, суд")
    return "\n".join(out)


def _criminal_conclusion(story: Story) -> str:
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    main, joint = _cites(story)
    second = story.pick(pat.second.cite)
    title = story.pick(pat.title)
    outcome = story.outcome
    if outcome == "guilty":
        if story.jury:
            return story.t(
                "Коллегия присяжных заседателей вынесла обвинительный вердикт, признав доказанным, "
                "что деяние имело место, совершено подсудим{g:ым|ой} и {g:он виновен|она виновна} "
                "в его совершении. Исходя из вердикта, суд квалифицирует действия Ф.И.О.1 по "
                f"{joint}.",
                "Алқабилер алқасы айыптау вердиктісін шығарып, әрекеттің орын алғанын, оны "
                "сотталушының жасағанын және оның кінәлі екенін дәлелденген деп таныды. Вердикт "
                f"негізінде сот Ф.И.О.1-дің әрекетін {joint} бойынша саралайды.",
            )
        return story.t(
            "Оценив исследованные доказательства в совокупности, суд признаёт их относимыми, "
            "допустимыми и достаточными и квалифицирует действия подсудим{g:ого|ой} по "
            f"{joint} как {title}.",
            "Зерттелген дәлелдемелерді жиынтығында бағалай келе, сот оларды қатыстылығы, жол "
            "берілетіндігі және жеткіліктілігі тұрғысынан негізді деп таниды және сотталушының "
            f"әрекетін {joint} бойынша саралайды.",
        )
    if outcome == "acquitted":
        if story.jury:
            return story.t(
                "Коллегия присяжных заседателей вынесла оправдательный вердикт, ответив "
                "отрицательно на вопрос о доказанности совершения деяния подсудим{g:ым|ой}. "
                "Оправдательный вердикт обязателен для председательствующего и влечёт "
                "постановление оправдательного приговора.",
                "Алқабилер алқасы әрекетті сотталушының жасағаны дәлелденді ме деген сұраққа теріс "
                "жауап беріп, ақтау вердиктісін шығарды. Ақтау вердиктісі төрағалық етуші үшін "
                "міндетті және ақтау үкімін шығаруға негіз болады.",
            )
        return story.t(
            "Оценив доказательства в совокупности, суд приходит к выводу, что они не подтверждают "
            "причастность подсудим{g:ого|ой} к совершению преступления. Неустранимые сомнения в "
            "виновности толкуются в пользу подсудим{g:ого|ой}, поэтому он{g:|а} подлежит "
            "оправданию.",
            "Дәлелдемелерді жиынтығында бағалай келе, сот олардың сотталушының қылмысқа "
            "қатыстылығын растамайтыны туралы тұжырымға келеді. Жойылмайтын күмәндар сотталушының "
            "пайдасына түсіндіріледі, сондықтан ол ақталуға жатады.",
        )
    if outcome == "partly_guilty":
        if story.jury:
            return story.t(
                f"Присяжные заседатели признали доказанной вину подсудим{{g:ого|ой}} по {main}, а "
                f"по обвинению по {second} вынесли оправдательный вердикт.",
                f"Алқабилер сотталушының {main} бойынша кінәсін дәлелденген деп таныды, ал "
                f"{second} "
                "бойынша айыптау бөлігінде ақтау вердиктісін шығарды.",
            )
        return story.t(
            f"Вина подсудим{{g:ого|ой}} в совершении преступления, предусмотренного {main}, нашла "
            f"подтверждение. Вместе с тем обвинение по {second} не подтверждено достаточными "
            "доказательствами, и в этой части подсудим{g:ый|ая} подлежит оправданию.",
            f"Сотталушының {main} бойынша кінәсі дәлелденді. Алайда {second} бойынша айыптау "
            "жеткілікті дәлелдемелермен расталмады, бұл бөлікте сотталушы ақталуға жатады.",
        )
    if story.latent["reconciliation"]:
        return story.t(
            "В судебном заседании потерпевш{vg:ий|ая} заявил{vg:|а} о примирении с "
            "подсудим{g:ым|ой} и полном заглаживании вреда, подсудим{g:ый|ая} согласил{g:ся|ась} "
            "на "
            "прекращение дела по этому основанию. Преступление не относится к тяжким, поэтому "
            "уголовное дело подлежит прекращению.",
            "Сот отырысында жәбірленуші Ф.И.О.2 сотталушымен татуласқанын және келтірілген зиянның "
            "толық өтелгенін мәлімдеді, сотталушы істі осы негіз бойынша тоқтатуға келісім берді. "
            "Қылмыс ауыр санатқа жатпайды, сондықтан қылмыстық іс тоқтатылуға жатады.",
        )
    return story.t(
        "В ходе судебного разбирательства государственный обвинитель отказался от обвинения, "
        "сославшись на недостаточность доказательств. Отказ от обвинения мотивирован, поэтому "
        "производство по делу подлежит прекращению.",
        "Сот талқылауы барысында мемлекеттік айыптаушы дәлелдемелердің жеткіліксіздігіне сілтеме "
        "жасап, айыптаудан бас тартты. Айыптаудан бас тарту дәлелді, сондықтан іс бойынша іс "
        "жүргізу тоқтатылуға жатады.",
    )


def _punishment_reasons(story: Story, rng: Random) -> str:
    lat = story.latent
    pool = list(P.MITIGATING)
    rng.shuffle(pool)
    mitig = (list(P.MITIGATING_CONFESSION) if lat["confession"] else []) + pool
    mitig = mitig[: lat["mitigating"]]
    aggr = list(P.AGGRAVATING)[: lat["aggravating"]]
    kk = story.lang == "kk"
    lead = story.t(
        "При назначении наказания суд учитывает характер и степень общественной опасности "
        "содеянного и личность подсудим{g:ого|ой}.",
        "Жаза тағайындау кезінде сот жасалған қылмыстың сипаты мен қоғамдық қауіптілік дәрежесін, "
        "сотталушының жеке басын ескереді.",
    )
    if mitig:
        names = ", ".join(m[1] if kk else m[0] for m in mitig)
        one = len(mitig) == 1
        lead += " " + (
            f"Сот {names} жазаны жеңілдететін {'мән-жай' if one else 'мән-жайлар'} деп таниды."
            if kk
            else f"{'Обстоятельством, смягчающим' if one else 'Обстоятельствами, смягчающими'} "
            f"наказание, суд признаёт {names}."
        )
    else:
        lead += " " + (
            "Жазаны жеңілдететін мән-жайлар анықталған жоқ."
            if kk
            else "Обстоятельств, смягчающих наказание, не установлено."
        )
    if aggr:
        names = ", ".join(a[1] if kk else a[0] for a in aggr)
        one = len(aggr) == 1
        lead += " " + (
            f"Жазаны ауырлататын {'мән-жай' if one else 'мән-жайлар'} – {names}."
            if kk
            else (
                f"Обстоятельством, отягчающим наказание, является {names}."
                if one
                else f"Обстоятельствами, отягчающими наказание, являются {names}."
            )
        )
    else:
        lead += " " + (
            "Жазаны ауырлататын мән-жайлар анықталған жоқ."
            if kk
            else "Обстоятельств, отягчающих наказание, не установлено."
        )
    return lead


def _criminal_operative(story: Story) -> str:
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    main, joint = _cites(story)
    second = story.pick(pat.second.cite)
    kk = story.lang == "kk"
    outcome = story.outcome
    lines: list[str] = []
    if kk:
        lines.append("ҚАУЛЫ ЕТТІ:" if outcome == "terminated" else "ҮКІМ ЕТТІ:")
        sentence = _sentence_text(story, story.sentence) if story.sentence else ""
        if outcome == "guilty":
            jointly = "қылмыстардың жиынтығы бойынша " if story.second_count else ""
            lines.append(
                f"Ф.И.О.1 {joint} бойынша кінәлі деп танылсын және оған {jointly}{sentence}"
            )
        elif outcome == "partly_guilty":
            lines.append(f"Ф.И.О.1 {main} бойынша кінәлі деп танылсын және оған {sentence}")
            lines.append(f"Ф.И.О.1 {second} бойынша тағылған айыптан дәлелденбегендіктен ақталсын.")
        elif outcome == "acquitted":
            basis = "Алқабилер алқасының ақтау вердиктісі негізінде " if story.jury else ""
            lines.append(
                f"{basis}Ф.И.О.1 {joint} бойынша тағылған айыптан қылмысқа қатысы "
                "болмағандықтан ақталсын."
            )
            lines.append(
                "Ф.И.О.1-дің заңсыз қылмыстық қудалау салдарынан келтірілген зиянды "
                "өтеуге құқығы танылсын."
            )
        else:
            reason = (
                "жәбірленушімен татуласуына байланысты"
                if story.latent["reconciliation"]
                else "мемлекеттік айыптаушының айыптаудан бас тартуына байланысты"
            )
            lines.append(f"Ф.И.О.1-ге қатысты {joint} бойынша қылмыстық іс {reason} тоқтатылсын.")
        lines.append(
            "Үкімге заңда белгіленген мерзімде апелляциялық тәртіппен шағым келтірілуі "
            "немесе прокурор өтінішхат беруі мүмкін."
            if outcome != "terminated"
            else "Қаулыға заңда белгіленген мерзімде апелляциялық тәртіппен шағым келтірілуі "
            "мүмкін."
        )
        return "\n".join(lines)
    lines.append("ПОСТАНОВИЛ:" if outcome == "terminated" else "ПРИГОВОРИЛ:")
    sentence = _sentence_text(story, story.sentence) if story.sentence else ""
    if outcome == "guilty":
        crimes = (
            "преступлений, предусмотренных"
            if story.second_count
            else "преступления, предусмотренного"
        )
        jointly = "по совокупности преступлений " if story.second_count else ""
        lines.append(
            story.f(
                f"Ф.И.О.1 признать виновн{{g:ым|ой}} в совершении {crimes} {joint}, "
                f"и назначить {jointly}наказание в виде {sentence}."
            )
        )
    elif outcome == "partly_guilty":
        lines.append(
            story.f(
                f"Ф.И.О.1 признать виновн{{g:ым|ой}} в совершении преступления, "
                f"предусмотренного {main}, и назначить наказание в виде {sentence}."
            )
        )
        lines.append(
            f"По обвинению в совершении преступления, предусмотренного {second}, Ф.И.О.1 "
            "оправдать за недоказанностью."
        )
    elif outcome == "acquitted":
        basis = (
            "на основании оправдательного вердикта коллегии присяжных заседателей "
            if story.jury
            else ""
        )
        lines.append(
            f"Ф.И.О.1 по обвинению в совершении преступления, предусмотренного {joint}, "
            f"{basis}оправдать за непричастностью к совершению преступления."
        )
        lines.append(
            "Признать за Ф.И.О.1 право на возмещение вреда, причинённого незаконным "
            "уголовным преследованием."
        )
    else:
        reason = (
            "в связи с примирением с потерпевшим"
            if story.latent["reconciliation"]
            else "в связи с отказом государственного обвинителя от обвинения"
        )
        lines.append(
            f"Уголовное дело в отношении Ф.И.О.1 по обвинению в совершении "
            f"преступления, предусмотренного {joint}, прекратить {reason}."
        )
    lines.append(
        "Приговор может быть обжалован и опротестован в апелляционном порядке в "
        "установленный законом срок."
        if outcome != "terminated"
        else "Постановление может быть обжаловано в апелляционном порядке в установленный "
        "законом срок."
    )
    return "\n".join(lines)


def render_criminal(story: Story, rng: Random) -> tuple[Sections, int]:
    """The first-instance act of a criminal story and the fact variant it used."""
    pat = story.pattern
    assert isinstance(pat, P.CrimePattern)
    variant = rng.randrange(len(pat.facts))
    intro = _criminal_intro(story, rng)
    facts = _criminal_facts(story, variant)
    reasoning = _criminal_reasoning(story, rng)
    return Sections(intro, facts, reasoning, _criminal_operative(story)), variant


# --- civil and administrative, first instance ------------------------------------------------


def _claim_kind(story: Story) -> tuple[str, str]:
    return (
        ("административное", "әкімшілік")
        if story.pattern.category == "administrative"
        else ("гражданское", "азаматтық")
    )


def _claim_intro(story: Story) -> str:
    pat = story.pattern
    assert isinstance(pat, P.ClaimPattern)
    left = story.outcome == "left_without_consideration"
    kk = story.lang == "kk"
    title = ("ҰЙҒАРЫМ" if left else "ШЕШІМ") if kk else ("ОПРЕДЕЛЕНИЕ" if left else "РЕШЕНИЕ")
    head = _header(story, title, story.date, in_the_name=not left)
    kind = _claim_kind(story)
    if kk:
        body = (
            f"{story.court.kk_nom}, төрағалық етуші судья {story.judge.name('kk')}, сот "
            f"отырысының хатшысы {story.secretary.name('kk')} қатысуымен, ашық сот отырысында "
            f"№ {story.case_id} {kind[1]} істі қарап:\n"
            f"талапкер – {story.ctx['P_kk']},\n"
            f"жауапкер – {story.ctx['R_kk']},\n"
            f"дау мәні – {story.pick(pat.subject)},"
        )
    else:
        body = (
            f"{story.court.ru_nom} в составе председательствующего судьи {story.judge.ru_gen()}, "
            f"при секретаре судебного заседания {story.secretary.ru_prep()}, рассмотрев в открытом "
            f"судебном заседании {kind[0]} дело № {story.case_id} по иску {story.ctx['P_ru']} к "
            f"{story.ctx['R_ru']} о {story.pick(pat.subject)},"
        )
    return head + "\n\n" + fill(body, story.ctx, story.genders)


def _claim_facts(story: Story) -> str:
    pat = story.pattern
    assert isinstance(pat, P.ClaimPattern)
    lat = story.latent
    kk = story.lang == "kk"
    out = ["АНЫҚТАДЫ:" if kk else "УСТАНОВИЛ:"]
    claim = story.pick(pat.claim_facts)
    if kk:
        out.append(claim + " " + story.pick(pat.claim_request))
    else:
        out.append(
            story.f(
                f"{story.ctx['P_ru']} обратил{{pg:ся|ась|ось}} в суд с иском, мотивируя тем, что "
                f"{claim}. "
            )
            + story.pick(pat.claim_request)
        )
    if lat["respondent_admits"]:
        out.append(
            story.t(
                "Ответчик в судебном заседании иск признал.",
                "Жауапкер сот отырысында талапты мойындады.",
            )
        )
    elif lat["counterclaim"] and pat.counterclaim:
        counter = story.pick(pat.counterclaim)
        out.append(
            story.t(
                f"Ответчик иск не признал и предъявил встречный иск о {counter}.",
                f"Жауапкер талапты мойындамай, {counter} туралы қарсы талап қойды.",
            )
        )
    else:
        denial = story.pick(pat.respondent_denial)
        out.append(
            story.t(
                f"Ответчик иск не признал, пояснив, что {denial}.",
                f"Жауапкер талапты мойындамай, {denial} түсіндірді.",
            )
        )
    return "\n".join(out)


def _claim_reasoning(story: Story, rng: Random) -> str:
    pat = story.pattern
    assert isinstance(pat, P.ClaimPattern)
    lat = story.latent
    kk = story.lang == "kk"
    admin = pat.category == "administrative"
    out = [
        story.t(
            "Выслушав стороны, исследовав материалы дела, суд приходит к следующему.",
            "Тараптарды тыңдап, іс материалдарын зерттеп, сот мынадай тұжырымға келеді.",
        )
    ]
    ref_ru, rule_ru, ref_kk, rule_kk = pat.norm
    out.append(story.t(f"Согласно {ref_ru} {rule_ru}.", f"{ref_kk} сәйкес {rule_kk}."))
    if admin and pat.article == "АППК 132":
        out.append(
            story.t(
                "В силу ст. 129 АППК по иску об оспаривании бремя доказывания законности "
                "обременяющего административного акта лежит на ответчике.",
                "ӘРПК-нің 129-бабына сәйкес даулау туралы талап бойынша ауыртпалық түсіретін "
                "әкімшілік "
                "актінің заңдылығын дәлелдеу міндеті жауапкерге жүктеледі.",
            )
        )
    strength = lat["documentary_evidence"]
    docs = list(pat.documents)
    rng.shuffle(docs)
    if strength < 0.35:
        chosen = docs[:1]
    elif strength < 0.7:
        chosen = docs[:2]
    else:
        chosen = docs + list(pat.strong_documents)
    items = "; ".join(story.pick(d) for d in chosen)
    out.append(
        story.t(
            f"В подтверждение требований истцом представлены: {items}.",
            f"Талапкер талапты растау үшін мыналарды ұсынды: {items}.",
        )
    )
    if strength < 0.35:
        weak = story.pick(pat.weak_point)
        out.append(
            story.t(
                f"Иных письменных доказательств, подтверждающих {weak}, истцом не представлено.",
                f"{weak} растайтын өзге жазбаша дәлелдемелер ұсынылмады.",
            )
        )
    elif strength >= 0.7:
        out.append(
            story.t(
                "Представленные документы оформлены надлежащим образом и ответчиком не "
                "опровергнуты.",
                "Ұсынылған құжаттар тиісті түрде ресімделген және жауапкермен теріске "
                "шығарылмаған.",
            )
        )
    if admin:
        if lat["act_reasoned"]:
            out.append(
                story.t(
                    "В оспариваемом акте приведены его основания со ссылкой на нормы "
                    "законодательства.",
                    "Дауланып отырған актіде оның негіздері заңнама нормаларына сілтеме жасала "
                    "отырып "
                    "келтірілген.",
                )
            )
        else:
            out.append(
                story.t(
                    "Оспариваемый акт не содержит мотивов и ссылок на нормы законодательства, "
                    "которыми руководствовался ответчик.",
                    "Дауланып отырған актіде себептер және жауапкер басшылыққа алған заңнама "
                    "нормалары көрсетілмеген.",
                )
            )
    if pat.expert and lat["expert"] in ("supports", "contradicts"):
        name, support, contra = pat.expert
        finding = story.pick(support if lat["expert"] == "supports" else contra)
        expert = story.pick(name)
        out.append(
            story.t(
                f"Согласно заключению {expert}, {finding}.",
                f"{_upper_first(expert)} қорытындысына сәйкес, {finding}.",
            )
        )
    if lat["claim_inflated"]:
        inflated = story.pick(pat.inflated)
        out.append(
            story.t(
                f"Вместе с тем истцом не представлено доказательств, обосновывающих {inflated}.",
                f"Сонымен бірге талапкер {inflated} негіздемеген.",
            )
        )
    if lat["limitation_missed"]:
        if admin:
            out.append(
                story.t(
                    "Иск подан по истечении месячного срока, установленного ст. 136 АППК; "
                    "ходатайство "
                    "о восстановлении срока не заявлено.",
                    "Талап ӘРПК-нің 136-бабында белгіленген бір айлық мерзім өткеннен кейін "
                    "берілген; "
                    "мерзімді қалпына келтіру туралы өтініш мәлімделмеген.",
                )
            )
        else:
            out.append(
                story.t(
                    "Ответчиком заявлено о применении исковой давности: о нарушении своего права "
                    "истец "
                    "узнал более трёх лет назад, то есть за пределами срока, установленного ст. "
                    "178 "
                    "ГК, уважительных причин его пропуска не приведено.",
                    "Жауапкер талап қою мерзімін қолдану туралы өтініш білдірді: талапкер өз "
                    "құқығының "
                    "бұзылғаны туралы үш жылдан астам бұрын білген, яғни АК-нің 178-бабында "
                    "белгіленген мерзім өткен, оны өткізіп алудың дәлелді себептері келтірілмеді.",
                )
            )
    if lat["procedural_bar"]:
        out.append(
            story.t(
                "Истец, надлежащим образом извещённый, дважды не явился в судебное заседание и не "
                "просил о разбирательстве дела в его отсутствие.",
                "Тиісті түрде хабардар етілген талапкер сот отырысына екі рет келмеді және істі "
                "оның "
                "қатысуынсыз қарауды сұрамады.",
            )
        )
    out.append(_claim_conclusion(story))
    code = ("ӘРПК" if admin else "АПК") if kk else ("АППК" if admin else "ГПК")
    out.append(
        f"Жоғарыда баяндалғанның негізінде, Қазақстан Республикасы {code}-нің талаптарын "
        "басшылыққа алып, сот"
        if kk
        else f"На основании изложенного, руководствуясь {code} Республики Казахстан, суд"
    )
    return "\n".join(out)


def _claim_conclusion(story: Story) -> str:
    return {
        "satisfied": story.t(
            "При таких обстоятельствах суд находит исковые требования обоснованными и подлежащими "
            "удовлетворению в полном объёме.",
            "Мұндай жағдайда сот талапты негізді деп тауып, оны толық көлемде қанағаттандыруға "
            "жатады деп санайды.",
        ),
        "partly_satisfied": story.t(
            "Оценив доказательства в совокупности, суд находит иск подлежащим частичному "
            "удовлетворению.",
            "Дәлелдемелерді жиынтығында бағалай келе, сот талапты ішінара қанағаттандыруға жатады "
            "деп санайды.",
        ),
        "denied": story.t(
            "Оценив доказательства в совокупности, суд приходит к выводу, что исковые требования "
            "не доказаны и удовлетворению не подлежат.",
            "Дәлелдемелерді жиынтығында бағалай келе, сот талап дәлелденбеген және "
            "қанағаттандыруға жатпайды деген тұжырымға келеді.",
        ),
        "left_without_consideration": story.t(
            "При таких обстоятельствах исковое заявление подлежит оставлению без рассмотрения.",
            "Мұндай жағдайда талап арыз қараусыз қалдырылуға жатады.",
        ),
    }[story.outcome]


def _claim_operative(story: Story) -> str:
    pat = story.pattern
    assert isinstance(pat, P.ClaimPattern)
    kk = story.lang == "kk"
    outcome = story.outcome
    lines: list[str] = []
    if kk:
        lines.append("ҰЙҒАРДЫ:" if outcome == "left_without_consideration" else "ШЕШІМ ЕТТІ:")
        if outcome == "satisfied":
            lines += ["Талап қанағаттандырылсын.", story.pick(pat.remedy_full)]
        elif outcome == "partly_satisfied":
            lines += [
                "Талап ішінара қанағаттандырылсын.",
                story.pick(pat.remedy_partial),
                "Талаптың қалған бөлігін қанағаттандырудан бас тартылсын.",
            ]
        elif outcome == "denied":
            lines.append(
                f"Талапкердің {story.pick(pat.subject)} туралы талабын "
                "қанағаттандырудан бас тартылсын."
            )
        else:
            lines.append("Талап арыз қараусыз қалдырылсын.")
        lines.append(
            "Шешімге заңда белгіленген мерзімде апелляциялық тәртіппен шағым жасалуы мүмкін."
            if outcome != "left_without_consideration"
            else "Ұйғарымға заңда белгіленген мерзімде жеке шағым берілуі мүмкін."
        )
        return "\n".join(lines)
    parties = f"{story.ctx['P_ru']} к {story.ctx['R_ru']}"
    lines.append("ОПРЕДЕЛИЛ:" if outcome == "left_without_consideration" else "РЕШИЛ:")
    if outcome == "satisfied":
        lines += [f"Иск {parties} удовлетворить.", story.pick(pat.remedy_full)]
    elif outcome == "partly_satisfied":
        lines += [
            f"Иск {parties} удовлетворить частично.",
            story.pick(pat.remedy_partial),
            "В удовлетворении остальной части иска отказать.",
        ]
    elif outcome == "denied":
        lines.append(f"В удовлетворении иска {parties} о {story.pick(pat.subject)} отказать.")
    else:
        lines.append(
            f"Исковое заявление {parties} о {story.pick(pat.subject)} оставить без рассмотрения."
        )
    lines.append(
        "Решение может быть обжаловано в апелляционном порядке в установленный законом срок."
        if outcome != "left_without_consideration"
        else "На определение может быть подана частная жалоба в установленный законом срок."
    )
    return "\n".join(lines)


def render_claim(story: Story, rng: Random) -> Sections:
    """The first-instance act of a civil or administrative story."""
    return Sections(
        _claim_intro(story),
        _claim_facts(story),
        _claim_reasoning(story, rng),
        _claim_operative(story),
    )


# --- appeal and cassation --------------------------------------------------------------------

_KIND = {
    "criminal": ("уголовным", "қылмыстық"),
    "civil": ("гражданским", "азаматтық"),
    "administrative": ("административным", "әкімшілік"),
}


def _family(story: Story) -> str:
    return "criminal" if story.criminal else story.pattern.category


def collegium(story: Story, instance: str) -> Court:
    """The reviewing collegium: of the oblast court (appeal) or of the Supreme Court."""
    ru_kind, kk_kind = _KIND[_family(story)]
    if instance == "appeal":
        ru = f"Судебная коллегия по {ru_kind} делам {story.region.ru_court_gen}"
        kk = f"{story.region.kk_court_gen} {kk_kind} істер жөніндегі сот алқасы"
    else:
        ru = f"Судебная коллегия по {ru_kind} делам Верховного Суда Республики Казахстан"
        kk = f"Қазақстан Республикасы Жоғарғы Сотының {kk_kind} істер жөніндегі сот алқасы"
    return Court(
        ru_nom=ru,
        ru_gen="судебной коллегии" + ru.removeprefix("Судебная коллегия"),
        kk_nom=kk,
        kk_gen=kk + "ның",
    )


_RU_INSTRUMENTAL = {
    "приговор": "приговором",
    "решение": "решением",
    "постановление": "постановлением",
    "определение": "определением",
}


def _first_act_ru(story: Story, instrumental: bool = False) -> str:
    """ "приговор районного суда … от 12 марта 2024 года" (accusative or instrumental)."""
    kind = (
        ("постановление" if story.outcome == "terminated" else "приговор")
        if story.criminal
        else ("определение" if story.outcome == "left_without_consideration" else "решение")
    )
    if instrumental:
        kind = _RU_INSTRUMENTAL[kind]
    jury = " с участием присяжных заседателей" if story.jury else ""
    return f"{kind} {story.court.ru_gen}{jury} от {ru_date(story.date)}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_act_kk(story: Story) -> tuple[str, str]:
    """Kazakh court + date phrase and the act noun."""
    kind = (
        ("қаулысы" if story.outcome == "terminated" else "үкімі")
        if story.criminal
        else ("ұйғарымы" if story.outcome == "left_without_consideration" else "шешімі")
    )
    jury = " алқабилердің қатысуымен шығарылған" if story.jury else ""
    return f"{story.court.kk_gen}{jury} {kk_date_attr(story.date)}", kind


def _outcome_recall(story: Story, outcome: str | None) -> str:
    """What the first act decided, as a review act recalls it."""
    pat = story.pattern
    kk = story.lang == "kk"
    if isinstance(pat, P.CrimePattern):
        main, joint = _cites(story)
        second = story.pick(pat.second.cite)
        sentence = _sentence_short(story, story.sentence) if story.sentence else ""
        if kk:
            return {
                "guilty": f"Ф.И.О.1 {joint} бойынша кінәлі деп танылып, оған {sentence} "
                "тағайындалған.",
                "partly_guilty": f"Ф.И.О.1 {main} бойынша кінәлі деп танылып, оған {sentence} "
                f"тағайындалған, {second} бойынша ақталған.",
                "acquitted": f"Ф.И.О.1 {joint} бойынша ақталған.",
                "terminated": f"Ф.И.О.1-ге қатысты {joint} бойынша қылмыстық іс тоқтатылған.",
            }[outcome or "guilty"]
        return story.f(
            {
                "guilty": f"Ф.И.О.1 осужден{{g:|а}} по {joint} {sentence}.",
                "partly_guilty": f"Ф.И.О.1 осужден{{g:|а}} по {main} {sentence}, по {second} "
                "оправдан{g:|а}.",
                "acquitted": f"Ф.И.О.1 оправдан{{g:|а}} по обвинению по {joint}.",
                "terminated": f"уголовное дело в отношении Ф.И.О.1 по {joint} прекращено.",
            }[outcome or "guilty"]
        )
    assert isinstance(pat, P.ClaimPattern)
    if kk:
        return {
            "satisfied": "талап толық қанағаттандырылған.",
            "partly_satisfied": "талап ішінара қанағаттандырылған.",
            "denied": "талапты қанағаттандырудан бас тартылған.",
            "left_without_consideration": "талап арыз қараусыз қалдырылған.",
        }[outcome or "satisfied"]
    return {
        "satisfied": "иск удовлетворён полностью.",
        "partly_satisfied": "иск удовлетворён частично.",
        "denied": "в удовлетворении иска отказано.",
        "left_without_consideration": "исковое заявление оставлено без рассмотрения.",
    }[outcome or "satisfied"]


def _appellant(story: Story, review: Review) -> tuple[str, str, str, str]:
    """Who complains: Russian after "по" and after "в", Kazakh before "бойынша" and locative."""
    before = review.outcome_before
    if story.criminal:
        if before in ("acquitted", "terminated"):
            return (
                "ходатайству прокурора",
                "ходатайстве прокурора",
                "прокурордың өтінішхаты",
                "Прокурордың өтінішхатында",
            )
        return (
            "жалобе защитника осуждённого",
            "жалобе защитника осуждённого",
            "сотталғанның қорғаушысының шағымы",
            "Сотталғанның қорғаушысының шағымында",
        )
    if before in ("satisfied", "partly_satisfied"):
        return (
            "жалобе ответчика",
            "жалобе ответчика",
            "жауапкердің шағымы",
            "Жауапкердің шағымында",
        )
    return ("жалобе истца", "жалобе истца", "талапкердің шағымы", "Талапкердің шағымында")


def _upheld_reason(story: Story) -> str:
    return story.t(
        "Выводы суда основаны на доказательствах, исследованных в судебном заседании и получивших "
        "надлежащую оценку. Нарушений закона, влекущих отмену судебного акта, не установлено, "
        "доводы жалобы не нашли подтверждения.",
        "Соттың тұжырымдары сот отырысында зерттеліп, тиісті баға берілген дәлелдемелерге "
        "негізделген. Сот актісінің күшін жоюға әкеп соғатын заң бұзушылықтары анықталған жоқ, "
        "шағымның уәждері расталмады.",
    )


def _change_reason(story: Story) -> str:
    if story.criminal:
        return story.t(
            "Вместе с тем при назначении наказания суд не в полной мере учёл смягчающие "
            "обстоятельства, в связи с чем наказание подлежит смягчению.",
            "Сонымен бірге жаза тағайындау кезінде сот жазаны жеңілдететін мән-жайларды толық "
            "ескермеген, сондықтан жаза жеңілдетілуге жатады.",
        )
    return story.t(
        "Вместе с тем суд неправильно определил размер взыскания, не учтя представленные сторонами "
        "расчёты, поэтому судебный акт подлежит изменению.",
        "Сонымен бірге сот тараптар ұсынған есептерді ескермей, өндірілетін соманы дұрыс "
        "анықтамаған, сондықтан сот актісі өзгертілуге жатады.",
    )


def _review_reason(story: Story, review: Review) -> str:
    if review.decision == "changed":
        return _upheld_reason(story).split(". ")[0] + ". " + _change_reason(story)
    if review.decision == "upheld":
        return _upheld_reason(story)
    if review.ground == "deviation":
        return story.t(
            "Выводы суда не соответствуют фактическим обстоятельствам дела: суд дал "
            "доказательствам оценку, противоречащую их содержанию, и не мотивировал, почему "
            "отверг доказательства, имеющие существенное значение.",
            "Соттың тұжырымдары істің нақты мән-жайларына сәйкес келмейді: сот дәлелдемелерге "
            "олардың мазмұнына қайшы баға берген және маңызы зор дәлелдемелерді неге "
            "қабылдамағанын уәждемеген.",
        )
    if story.criminal:
        defect = P.PROCEDURAL_DEFECTS[story.defect]
        return story.t(
            "Судом допущено существенное нарушение уголовно-процессуального закона: в основу "
            f"решения положено доказательство, полученное с нарушением закона ({defect[1]}). "
            "Это нарушение повлияло на законность и обоснованность судебного акта.",
            "Сот қылмыстық-процестік заңның елеулі бұзушылығына жол берген: қорғаушы "
            f"{defect[3]} дұрыс көрсеткен, алайда бұл дәлелдеме шешімнің негізіне алынған. Бұл "
            "бұзушылық сот актісінің заңдылығы мен негізділігіне әсер етті.",
        )
    return story.t(
        "Судом допущено существенное нарушение норм процессуального права: дело рассмотрено в "
        "отсутствие стороны, не извещённой надлежащим образом о времени и месте заседания.",
        "Сот іс жүргізу құқығы нормаларын елеулі бұзуға жол берген: іс отырыстың уақыты мен орны "
        "туралы тиісті түрде хабарланбаған тараптың қатысуынсыз қаралған.",
    )


def _new_decision(story: Story, outcome: str) -> str:
    """The merits part of a new decision taken by a reviewing court."""
    pat = story.pattern
    kk = story.lang == "kk"
    if isinstance(pat, P.CrimePattern):
        _, joint = _cites(story)
        if outcome in ("guilty", "partly_guilty"):
            sentence = _sentence_text(story, story.sentence or Sentence("prison", pat.years[0]))
            return (
                f"Ф.И.О.1 {joint} бойынша кінәлі деп танылсын және оған {sentence}"
                if kk
                else story.f(
                    f"Ф.И.О.1 признать виновн{{g:ым|ой}} по {joint} и назначить "
                    f"наказание в виде {sentence}."
                )
            )
        if outcome == "acquitted":
            return (
                f"Ф.И.О.1 {joint} бойынша тағылған айыптан ақталсын."
                if kk
                else f"Ф.И.О.1 по обвинению по {joint} оправдать."
            )
        return (
            f"Ф.И.О.1-ге қатысты {joint} бойынша қылмыстық іс тоқтатылсын."
            if kk
            else f"Уголовное дело в отношении Ф.И.О.1 по {joint} прекратить."
        )
    assert isinstance(pat, P.ClaimPattern)
    if outcome == "satisfied":
        return ("Талап қанағаттандырылсын. " if kk else "Иск удовлетворить. ") + story.pick(
            pat.remedy_full
        )
    if outcome == "partly_satisfied":
        return (
            "Талап ішінара қанағаттандырылсын. " if kk else "Иск удовлетворить частично. "
        ) + story.pick(pat.remedy_partial)
    if outcome == "denied":
        return (
            "Талапты қанағаттандырудан бас тартылсын." if kk else "В удовлетворении иска отказать."
        )
    return (
        "Талап арыз қараусыз қалдырылсын." if kk else "Исковое заявление оставить без рассмотрения."
    )


def _review_operative(story: Story, review: Review, target: str, owner: str) -> str:
    """``target`` names the reviewed act(s); ``owner`` is its Kazakh genitive ("… үкімінің")."""
    kk = story.lang == "kk"
    decision = review.decision
    lines = ["ҚАУЛЫ ЕТТІ:" if kk else "ПОСТАНОВИЛА:"]
    if decision == "upheld":
        lines.append(
            f"{target} өзгеріссіз, шағым қанағаттандырусыз қалдырылсын."
            if kk
            else f"{target} оставить без изменения, жалобу – без удовлетворения."
        )
    elif decision == "changed":
        if review.new_sentence:
            y = review.new_sentence.years
            restriction = review.new_sentence.kind == "restriction"
            lines.append(
                f"{target} өзгертілсін: Ф.И.О.1-ге тағайындалған жаза {y} жыл мерзімге "
                f"{'бас бостандығын шектеуге' if restriction else 'бас бостандығынан айыруға'} "
                "дейін жеңілдетілсін. Қалған бөлігінде өзгеріссіз қалдырылсын."
                if kk
                else f"{target} изменить: смягчить назначенное Ф.И.О.1 наказание до "
                f"{y} {'года' if y % 10 == 1 and y % 100 != 11 else 'лет'} "
                f"{'ограничения' if restriction else 'лишения'} свободы. В остальной части "
                "оставить без изменения."
            )
        elif review.new_awarded is not None:
            amount = money(review.new_awarded)
            lines.append(
                f"{target} өзгертілсін: өндірілетін сома {amount} теңгеге дейін "
                "азайтылсын. Қалған бөлігінде өзгеріссіз қалдырылсын."
                if kk
                else f"{target} изменить: снизить взысканную сумму до {amount} тенге. В "
                "остальной части оставить без изменения."
            )
        else:
            lines.append(
                f"{target} сот шығыстарын бөлу бөлігінде өзгертілсін."
                if kk
                else f"{target} изменить в части распределения судебных расходов."
            )
    elif review.outcome_after is None:
        lines.append(
            f"{owner} күші жойылсын, іс сол сотқа басқа құраммен жаңадан қарауға жіберілсін."
            if kk
            else f"{target} отменить, дело направить на новое рассмотрение в тот же суд в "
            "ином составе."
        )
    else:
        new = _new_decision(story, review.outcome_after)
        if kk:
            kind = "үкім" if story.criminal else "шешім"
            lines.append(f"{owner} күші жойылсын және жаңа {kind} шығарылсын: {new}")
        else:
            kind = "новый приговор" if story.criminal else "новое решение"
            lines.append(f"{target} отменить и вынести {kind}: {new}")
    lines.append(
        "Қаулы жарияланған кезден бастап заңды күшіне енеді."
        if kk
        else "Постановление вступает в законную силу со дня оглашения."
    )
    return "\n".join(lines)


def render_review(story: Story, review: Review, variant: int) -> Sections:
    """An appeal or cassation act about the story's first-instance act."""
    kk = story.lang == "kk"
    appeal = review.instance == "appeal"
    head = _header(
        story, "ҚАУЛЫ" if kk else "ПОСТАНОВЛЕНИЕ", review.date, False, None if appeal else "Астана"
    )
    j1, j2, j3 = review.judges
    by_ru, in_ru, by_kk, in_kk = _appellant(story, review)
    first_kk, first_noun = _first_act_kk(story)
    prior = None if appeal else story.reviews[0]
    kind_ru, kind_kk = ("уголовное", "қылмыстық") if story.criminal else _claim_kind(story)
    if kk:
        order = "апелляциялық" if appeal else "кассациялық"
        also = f" және {prior.court.kk_gen} {kk_date_attr(prior.date)} қаулысына" if prior else ""
        intro = (
            f"{review.court.kk_nom}, төрағалық етуші судья {j1.name('kk')}, судьялар "
            f"{j2.name('kk')}, {j3.name('kk')} қатысуымен, {first_kk} "
            f"{_kk_dative_act(first_noun)}{also} {by_kk} бойынша № {review.case_id} "
            f"{kind_kk} істі {order} тәртіппен ашық сот отырысында қарап,"
        )
        target = f"{first_kk} {first_noun}"
        owner = f"{first_kk} {_kk_genitive(first_noun)}"
        if prior:
            target += f" және {prior.court.kk_gen} {kk_date_attr(prior.date)} қаулысы"
            owner += f" және {prior.court.kk_gen} {kk_date_attr(prior.date)} қаулысының"
    else:
        order = "апелляционном" if appeal else "кассационном"
        also = f" и постановление {prior.court.ru_gen} от {ru_date(prior.date)}" if prior else ""
        intro = (
            f"{review.court.ru_nom} в составе председательствующего судьи {j1.ru_gen()}, "
            f"судей {j2.ru_gen()} и {j3.ru_gen()}, рассмотрев в открытом судебном заседании "
            f"в {order} порядке {kind_ru} дело № {review.case_id} по {by_ru} на "
            f"{_first_act_ru(story)}{also},"
        )
        target = owner = _upper_first(_first_act_ru(story)) + also
    recall = _outcome_recall(story, story.outcome)
    if story.criminal:
        narrative = _facts_text(story, variant, established=True)
    else:
        assert isinstance(story.pattern, P.ClaimPattern)
        narrative = story.pick(story.pattern.claim_facts)
        if not kk:
            narrative = f"Истец указывал, что {narrative}."
    if kk:
        facts = [
            "АНЫҚТАДЫ:",
            f"{first_kk} {first_noun}мен {recall}",
            f"Іс материалдарына сәйкес: {narrative}",
            f"{in_kk} сот актісінің заңсыздығы туралы мәселе қойылады.",
        ]
    else:
        facts = [
            "УСТАНОВИЛА:",
            f"{_upper_first(_first_act_ru(story, instrumental=True))} {recall}",
            narrative,
            f"В {in_ru} ставится вопрос о незаконности судебного акта.",
        ]
    opening = story.t(
        "Проверив материалы дела, обсудив доводы жалобы, выслушав участников процесса, коллегия "
        "приходит к следующему.",
        "Іс материалдарын тексеріп, шағымның уәждерін талқылап, процеске қатысушыларды тыңдап, "
        "алқа мынадай тұжырымға келеді.",
    )
    closing = (
        "Жоғарыда баяндалғанның негізінде, алқа"
        if kk
        else "На основании изложенного, руководствуясь процессуальным законом, коллегия"
    )
    parts = [opening]
    if isinstance(story.pattern, P.ClaimPattern):
        ref_ru, _, ref_kk, _ = story.pattern.norm
        parts.append(
            story.t(f"Спор разрешён на основании {ref_ru}.", f"Дау {ref_kk} сәйкес шешілген.")
        )
    reasoning = "\n".join([*parts, _review_reason(story, review), closing])
    return Sections(
        head + "\n\n" + story.f(intro),
        story.f("\n".join(facts)),
        reasoning,
        _review_operative(story, review, target, owner),
    )


def _kk_genitive(noun: str) -> str:
    """ "үкімі" → "үкімінің", "қаулысы" → "қаулысының"."""
    return noun + ("ның" if noun.endswith("ы") else "нің")


def _kk_dative_act(noun: str) -> str:
    """ "үкімі" → "үкіміне", "шешімі" → "шешіміне", "қаулысы" → "қаулысына"."""
    return noun + ("на" if noun.endswith("ы") else "не")
