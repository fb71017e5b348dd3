"""Rule-based refusal of prompt injection and personal case advice.

Both are recognised by wording in folded text (Kazakh letters mapped to plain Cyrillic), so
questions typed without Kazakh letters are caught too. Questions outside courts and jury duty,
and questions the guidance does not support, are refused by the engine on retrieval scores.
"""

from __future__ import annotations

import itertools
import re

from assistant.answer.models import RefusalReason
from assistant.core.query import Query
from assistant.core.text import fold

# A request for somebody's contacts: a verb of giving or finding, the contacts, the people.
_GIVE = (
    r"\b(?:дай\w*|дайте|скин\w*|покаж\w*|пришл\w*|выда\w*|найд\w*|найти|узна\w*|сообщи\w*"
    r"|нужн\w*|бер\w*|корсет\w*|жибер\w*|тауып|give|show|send|list|find|tell me|provide"
    r"|get)\b"
)
_CONTACTS = r"\b(?:телефон\w*|номер\w*|номир\w*|адрес\w*|phones?|numbers?|address\w*|contacts?)\b"
_PEOPLE = r"\b(?:присяжн\w*|алкаби\w*|кандидат\w*|jurors?|candidates?)\b"

_INJECTION = re.compile(
    r"|".join(
        [
            # English
            r"\bignore\b.{0,40}\b(?:instructions?|prompts?|rules|above|previous)\b",
            r"\bdisregard\b.{0,40}\b(?:instructions?|rules|above|previous)\b",
            r"\bforget\b.{0,40}\b(?:instructions?|rules|everything)\b",
            r"\b(?:system|developer|hidden|initial)\s+(?:prompt|message|instructions?)\b",
            r"\b(?:reveal|print|show|repeat|output|dump)\b.{0,30}\b(?:prompt|instructions?)\b",
            r"\byou are now\b|\bact as\b|\bpretend (?:to be|you are)\b|\bjailbreak\b",
            r"\bdeveloper mode\b|\bdo anything now\b|\bno restrictions\b",
            r"<\|?(?:im_start|system|endoftext)",
            # Russian
            r"\b(?:про)?игнорир\w*\b.{0,40}\b(?:инструкц|правил|указани|предыдущ|промпт|систем)",
            r"\bзабудь\w*\b.{0,40}\b(?:инструкц|правил|указани|всё|все|предыдущ)",
            r"\b(?:системн\w*|скрыт\w*|исходн\w*)\s+(?:промпт|инструкц|подсказ|сообщени)\w*",
            r"\b(?:покажи|выведи|раскрой|напечатай|повтори)\b.{0,30}\b(?:промпт|инструкц)\w*",
            r"\bты теперь\b|\bпритворись\b|\bпредставь,? что ты\b|\bрежим разработчика\b",
            r"\bбез (?:ограничений|цензуры|фильтров)\b|\bновые инструкции\b",
            # Kazakh (folded): нұсқаулық, ұмыт, елеме, жүйелік, сен енді
            r"\bнускаулык\w*\b.{0,40}\b(?:елеме|умыт|корсет|шыгар|жаз)\w*",
            r"\b(?:елеме|умыт)\w*\b.{0,40}\bнускаулык\w*",
            r"\bжуйелик\s+(?:промпт|нускаулык|хабарлам)\w*",
            r"\bсен енди\b|\bпромпт\w*",
            r"\b(?:ереже|нускау)\w*\b.{0,40}\b(?:елеме|умыт)\w*",
            r"\b(?:елеме|умыт)\w*\b.{0,40}\b(?:ереже|нускау)\w*",
            # Asking for the personal data of jurors or candidates (lists with phones,
            # addresses); one's own address or number ("мой адрес изменился") is jury duty.
            *(
                rf"{a}.{{0,40}}{b}.{{0,40}}{c}"
                for a, b, c in itertools.permutations((_GIVE, _CONTACTS, _PEOPLE))
            ),
        ]
    ),
    re.IGNORECASE | re.DOTALL,
)

# The asker or their family: ru and folded kk pronouns and kin words.
_SELF = re.compile(
    r"\b(?:я|меня|мне|мной|мой|моя|мое|мои|моего|моей|моему|моим|мою|мы|нас|нам|наш\w*"
    r"|сын\w*|доч\w*|муж\w*|жен[аеуы]\w*|брат\w*|сестр\w*|отц\w*|отец|мать|мам\w*"
    r"|i|me|my|we|our|son|daughter|husband|wife|brother"
    r"|мени|маган|менин|менде|биз|бизди|бизге|бизин|озим\w*"
    r"|балам\w*|улым\w*|кызым\w*|куйеуим\w*|айелим\w*|агам\w*|иним\w*|бауырым\w*|анам\w*|акем\w*"
    r"|отбасым\w*)\b"
)
# Being a party to a case: accused, suspected, arrested, sentenced, sued; or wanting to win
# or escape one. Words of jury duty itself ("отбор", "повестка", "штраф за неявку") are not here.
_CASE = re.compile(
    r"\b(?:обвиня\w*|обвинен\w*|подозрева\w*|задержа\w*|арестова\w*|осуди\w*|осужд\w*"
    r"|посадит\w*|посадил\w*|судимост\w*|следовател\w*|полици\w*"
    r"|убийств\w*|убил\w*|краж\w*|украл\w*|мошенничеств\w*|наркотик\w*|дтп|развод\w*"
    r"|алимент\w*|наследств\w*|иск|иска|иском|иски|исков\w*|засудит\w*|отмазат\w*|оправдат\w*"
    r"|выигра\w*|кредит\w*|займ\w*|долг(?:а|и|ов|ам|у)?|несие\w*|карыз\w*|loan\w*|debt\w*"
    r"|тюрьм\w*|залог\w*|драк\w*|побои|избил\w*|задержан\w*"
    r"|accused|charged|arrested|sentenced|lawsuit|sue|suing|defend me|my case|acquit\w*"
    r"|detained|police|jail\w*|prison\w*|theft|stole|stolen|bail|fight|assault\w*"
    r"|айыпта\w*|кудикт\w*|камау\w*|камалд\w*|усталд\w*|устап (?:алд|кет)\w*|устады"
    r"|сотталд\w*|сотталып|тобелес\w*|турме\w*|кепил\w*"
    r"|тергеуш\w*|олтир\w*|урла\w*|урлык\w*|алаяк\w*|есирт\w*|ажыраса\w*|актал\w*|жазадан)\b"
)
# "My case", or a strategy to win or escape one: advice on a case whatever the wording.
_MY_CASE = re.compile(
    r"\b(?:мой|мое|моему|моем|нашем|нашему|наше)\s+(?:дел\w*|суд\w*)\b"
    r"|\bмоего (?:дела|суда)\b|\bменин\s+(?:ис\w*|сот\w*)\b|\bмой (?:приговор|процесс|суд)\b"
    r"|\bкак (?:мне |нам )?(?:выиграть|отсудить|избежать наказани\w*|уйти от ответственност\w*)"
    r"|\bhow (?:do i|can i|to) (?:win|avoid|get out of)\b"
    # How to vote in a named case (the neighbour's, this one): the verdict is the juror's own.
    r"|\b(?:дел[уоае]|делом|case|trial|ис\w*|сотталушы\w*)\b.{0,60}"
    r"\b(?:как (?:мне|нам) (?:про)?голосова\w*|how should (?:i|we) vote|калай дауыс берс\w*)"
    # Swaying the jurors or the verdict of a case: advice on winning it, whoever asks.
    r"|\b(?:убедить|уговорить|повлиять на|подкупить|convince|persuade|bribe)\b.{0,30}"
    r"\b(?:присяжн\w*|их|алкаби\w*|судь\w*|jur\w*|them)\b"
    # Money for the jurors: a bribe, in Kazakh ("алқабилерге ақша берсек").
    r"|\b(?:алкаби\w*|судья\w*)\b.{0,30}\b(?:акша|пара) бер(?:сек|сем|ип кор)\w*"
    r"|\bчтобы\b.{0,40}\b(?:оправдал\w*|признали невиновн\w*|отпустил\w*)"
    r"|\b(?:how|what)\b.{0,40}\b(?:to|get) acquitted\b"
    r"|\b(?:алкаби\w*|сот\w*)\b.{0,30}\b(?:актап|акта\w* ушин|сендир\w*)"
)


# The asker or their family close to being a party to a case ("сына обвиняют в убийстве"): in
# a long message, "я журналист" and a murder three lines on are no case of the asker's.
_SELF_CASE = re.compile(
    rf"(?:{_SELF.pattern}).{{0,40}}(?:{_CASE.pattern})|(?:{_CASE.pattern}).{{0,40}}(?:{_SELF.pattern})",
    re.DOTALL,
)


# A question about serving as a juror ("меня подозревают — могу ли я быть присяжным?", "брат
# присяжный по делу об убийстве, ему звонил журналист") is a question about jury duty, however
# personal its wording; one about a case the asker's family is tried in by a jury ("сына
# арестовали, будут присяжные") is not.
_JURY_ROLE = re.compile(
    r"присяжным\b|присяжной\b|присяжн(?:ый|ая)\b|в присяжн\w*|от присяжн\w*"
    r"|заседател\w* (?:быть|стать)|кандидат|алкабимин\b|алкабимиз\b|алкаби болып"
    r"|\b(?:am|is|was|as) an? juror\b|\bi'?m an? juror\b"
    r"|коллеги\w* присяжн|отбор|ириктеу|алкаби (?:бол|ретинд|ет)\w*|алкабиге|алкабилер тизим\w*"
    r"|включ\w* в (?:этот |их )?списо?к\w*|тизимге (?:енгиз|ил|кос)\w*"
    r"|\b(?:be|become|serve as|serving as|as) an? juror|on (?:a|the) jury|jury (?:duty|service"
    r"|selection|summons|pool|list)"
)


def classify(query: Query) -> RefusalReason | None:
    """The refusal class a question falls into by its wording, or None.

    Injection is looked for in the question as typed as well: English instructions inside a
    Latin-script Kazakh message may have been read as Kazakh."""
    folded = query.folded
    if query.script != "cyrillic" and _INJECTION.search(fold(query.original)):
        return RefusalReason.INJECTION
    if _INJECTION.search(folded):
        return RefusalReason.INJECTION
    if _MY_CASE.search(folded):
        return RefusalReason.PERSONAL_ADVICE
    if _SELF_CASE.search(folded) and not _JURY_ROLE.search(folded):
        return RefusalReason.PERSONAL_ADVICE
    return None
