"""What the author wants from a target: to complain, to ask, to leave it, or to praise it.

Cues are read on folded text (monitor.folding) so accents, Turkish letters and case do
not matter. In a window about one target, that target's mentions are replaced by TARGET
and other targets' by OTHER, so "left Turkcell for Vodafone" is churn from Turkcell only.
"""

from __future__ import annotations

import re

from monitor.folding import MARKS, fold

COMPLAINT = "complaint"
QUESTION = "question"
SWITCHING = "switching"
PRAISE = "praise"

ORDER = (COMPLAINT, QUESTION, SWITCHING, PRAISE)

TARGET, OTHER = MARKS
COMPLAINT_AT = -0.3
PRAISE_AT = 0.5

_T = TARGET
# An ablative ending on the mention, kept after the marker: "Turkcell'den" -> "\ue000den".
_ABLATIVE = re.compile(r"'?([dt][ea]n)$")


# Not preceded by a letter: cheaper than \b, which also stops at every word's end.
WORD_START = r"(?<!\w)"


def _folded(pattern: str) -> re.Pattern[str]:
    """Cues are written as words are spelled; text is folded, final sigma included."""
    return re.compile(pattern.replace("ς", "σ"))


def _any(*patterns: str, word_start: bool = True) -> re.Pattern[str]:
    """One pattern; alternatives starting at a word start share one check per position."""
    return _folded((WORD_START if word_start else "") + "(?:" + "|".join(patterns) + ")")


# Turkish "give up" (vazgeç-), but not "cannot give up", "will not give up" or
# "indispensable" (vazgeçemem, vazgeçmiyorum, vazgeçilmez): those are loyalty.
_TR_GIVE_UP = r"vazgec(?!em[ei]|ilmez|m(?:ez|iyor|eyece|edi|em(?!\w)))"
# Cues of leaving this target, in two parts. Those that end at its mention reach it over
# words and spaces only, so they are looked for up to its last mention (no further: on a
# post that names it first, looking on was most of the time spent on intents); those that
# start at it are found by the regex engine's quick search for their first character.
CUE_THEN_TARGET = _any(
    # English
    rf"(?:leav(?:e|ing)|left|quit(?:ting)?|ditch(?:ed|ing)?|dump(?:ed|ing)?|drop(?:ped|ping)?)"
    rf"\s+(?:\w+\s+){{0,2}}?{_T}",
    rf"(?:switch(?:ed|ing)?|mov(?:e|ed|ing)|port(?:ed|ing)?|chang(?:e|ed|ing))\s+"
    rf"(?:away\s+)?from\s+(?:\w+\s+)?{_T}",
    rf"alternatives?\s+(?:to|for)\s+(?:\w+\s+)?{_T}",
    rf"cancel+(?:ed|ing)?\s+(?:my\s+)?(?:\w+\s+)?{_T}",
    rf"(?:done|finished|through)\s+with\s+{_T}",
    rf"instead\s+of\s+{_T}",
    rf"(?:goodbye|bye)\s+{_T}",
    # Greek: "φεύγω από τη Vodafone", "αλλάζω από", "εναλλακτική για", "κλείνω ... στην"
    rf"(?:φευγ|φυγ|εφυγ|αλλαζ|αλλαξ)\w*\s+απο\s+(?:\w+\s+)?{_T}",
    rf"εναλλακτικ\w*\s+(?:\w+\s+)?(?:για|στ\w*|απο)\s+(?:\w+\s+)?{_T}",
    rf"(?:κλειν|κλεισ|ακυρων|ακυρωσ|διαγραφ)\w*\s+(?:\w+\s+){{0,4}}?{_T}",
    rf"τελος\s+(?:με\s+)?(?:\w+\s+)?{_T}",
    word_start=False,
)
# Between words, what is not a word nor this target's mark: a cue is read from the
# nearest mention, so a post naming the target thousands of times is read in linear time.
_GAP = f"[^\\w{TARGET}]+"
TARGET_THEN_CUE = _any(
    # Turkish: "Turkcell'den vazgeçtim / ayrıldım / kaçtım / geçtim", "Turkcell'i bıraktım"
    rf"{_T}'?[dt][ea]n{_GAP}(?:\w+{_GAP}){{0,3}}?"
    rf"(?:{_TR_GIVE_UP}|ayril|kac|gec(?:ti|iyor|ece|mek|meyi)|tasi|kurtul)",
    rf"{_T}'?y?[iu]?{_GAP}(?:\w+{_GAP}){{0,2}}?(?:birak|iptal|degistir)",
    rf"{_T}'?[yn]?[ea]\s+alternatif",
    rf"{_T}\s+yerine",
    word_start=False,
)
# Turkish "won't ... again": a first-person negative aorist or future after "bir daha"
# ("bir daha gelmem", "bir daha asla sipariş vermeyeceğim"), not the verbal noun of "bir
# daha gelmem lazım" (I need to come again).
_TR_NOT_AGAIN = (
    r"bir\s+daha\s+(?:\w+\s+){0,3}?\w+?m[ea](?:m|y[ea]c[ea]g[iu][mz]|y[iu]z)(?!\w)"
    r"(?!\s+(?:lazim|gerek|sart))"
)
# Verbs of coming back, buying and using: "artık kullanmıyorum / almayacağım".
_TR_KEEP_USING = r"(?:gel|git|al|kullan|ugra|tercih\s+et|alisveris\s+yap|siparis\s+ver)"
SWITCHING_ANYWHERE = (
    r"(?:looking|searching)\s+for\s+(?:an?\s+)?(?:alternative|replacement|new\s+provider)",
    r"(?:thinking\s+(?:of|about)|going\s+to|want\s+to|about\s+to)\s+"
    r"(?:switch|leave|leaving|switching|cancel)",
    r"cancel+(?:ing|ed)?\s+my\s+(?:subscription|contract|account|plan)",
    r"never\s+again|(?:never|won'?t|will\s+not)\s+(?:be\s+)?(?:coming\s+back|come\s+back|"
    r"be\s+back|going\s+back|go\s+back|return|buy\w*\s+(?:\w+\s+)?again|"
    r"(?:use|order|shop)\w*\s+(?:\w+\s+){0,2}?(?:again|anymore))",
    r"alternatif\w*\s+(?:ari|oner|tavsiye|var\s*mi)",
    rf"(?:{_TR_GIVE_UP}|iptal\s+ettir|abonelig\w*\s+iptal|numara\w*\s+tasi|operator\w*\s+degis)",
    r"baska\s+(?:operator|banka|firma|sirket|magaza|market)",
    _TR_NOT_AGAIN,
    rf"(?:artik|bundan\s+sonra)\s+(?:\w+\s+){{0,2}}?{_TR_KEEP_USING}"
    r"\w*?(?:m[iu]yorum|m[ea]y[ea]c[ea]g[iu][mz]|m[ea]m)(?!\w)",
    r"musteri\w*\s+(?:\w+\s+)?(?:degil|olmayacag|olmam)",
    r"(?:hesab|kart|hatt|uyelig|abonelig)\w*\s+(?:\w+\s+)?(?:kapat|iptal)",
    r"εναλλακτικ",
    r"(?:φευγω|θα\s+φυγω|αλλαζω\s+(?:παροχο|εταιρ|τραπεζ))",
    # Greek "δεν ξαναπατάω", "δεν θα το ξαναγοράσω", "ποτέ ξανά", "δεν θα έρθω ξανά"
    r"(?:δεν|ποτε)\s+(?:θα\s+)?(?:\w+\s+)?ξανα\w+",
    r"ποτε\s+(?:ξανα|πια)(?!\w)",
    r"δεν\s+θα\s+(?:\w+\s+){1,2}?(?:ξανα|πια)(?!\w)",
    r"(?:κλεινω|κλεισα|θα\s+κλεισω|ακυρωνω|ακυρωσα|θα\s+ακυρωσω)\s+(?:\w+\s+)?"
    r"(?:λογαριασμ|συμβολαι|καρτ|συνδρομ)",
    r"φορητοτητα",
    r"αλλ(?:η|ο)\s+(?:τραπεζα|εταιρ|παροχο)",
)
QUESTION_CUES = (
    r"(?:any|some)\s+(?:recommendations?|suggestions?|advice|tips)\b",
    r"(?:can|could)\s+(?:any|some)one\s+(?:recommend|suggest|help)\b",
    r"(?:anyone|anybody)\s+(?:know|tried|using|recommend)\b",
    r"which\s+(?:one|is\s+better|should)\b",
    r"(?:should\s+i|recommend\s+me)\b",
    r"(?:mi|mu|misin|misiniz|miyim|musun|musunuz|miyiz|midir|mudur|miydi|muydu)\b",
    r"(?:oneri\w*|tavsiye\s+(?:eder\s*mi|edin|eder\s+misiniz|var)|hangisi\w*)\b",
    r"(?:bilen|bilgisi\s+olan|deneyen|kullanan)\s+(?:var|biri)",
    r"nasil\s+(?:\w+\s+)?(?:yapabilirim|yaparim|ederim|edebilirim|ogrenebilirim|"
    r"basvur\w*|ulasabilirim)",
    r"(?:ξερει|γνωριζει)\s+κανεις",
    r"(?:προτεινετε|συστηνετε|προτεινεται|ποιο\w*|ποια)\b",
    r"(?:εχει|μπορει)\s+(?:κανεις|καποιος)|ξερετε\s+(?:αν|πως|ποτε|που)",
    r"πως\s+(?:μπορω|να\s+\w+|γινεται)",
)
COMPLAINT_CUES = (
    r"(?:not|isn't|doesn't|don't|won't|still\s+not|never|nobody|no\s+one)\s+(?:working|work|works|arrived|"
    r"responding|answers?|answering|replies|replying|fixed|refunded)\b",
    r"keeps?\s+(?:crashing|losing|failing|dropping|freezing|charging|cutting)\b",
    r"(?:no\s+(?:signal|service|internet|coverage|response|reply)|outage|refund|overcharg\w*|"
    r"charged\s+(?:me\s+|us\s+)?twice|double[-\s]charged|"
    r"complain\w*|rip-?off|scam(?:med)?)\b",
    r"(?:sikayet\w*|rezalet\w*|cekmiyor\w*|calismiyor\w*|acilmiyor\w*|baglanamiyor\w*|"
    r"gelmedi\w*|kesinti\w*|ariza\w*|magdur\w*|kazik\w*|cevap\s+ver\w*mi\w*|"
    r"(?:sinyal|internet|hat)\s+yok)\b",
    r"(?:bikt\w*|yeter\s+artik|ulasamiyorum|dolandirici\w*|fazladan\s+(?:ucret|para)|"
    r"hala\s+(?:gelmedi|cozulmedi|donmediniz|donus\s+yok|bekliyorum)|"
    r"iade\s+(?:edilmedi|etmiyor\w*|yapilmadi|alamadim)|"
    r"iki\s+(?:kez|kere|defa)\s+(?:cekil|odeme|ucret|para)|"
    r"(?:surekli|hep|sik\s+sik)\s+(?:cokuyor|donuyor|kapaniyor|kesiliyor|dusuyor)|"
    r"kimse\s+(?:ilgilenmiyor|donmuyor|aramadi|yardimci\s+olmuyor))",
    r"(?:παραπον|καταγγελ|απαραδεκτ|αισχος|ντροπη|δεν\s+(?:λειτουργ|δουλευ|απαντ|εχω\s+σημα))",
    r"(?:κολλαει|απατη|απατεων|κοροιδ|υπερχρεω|διακοπη\s+(?:ρευματος|νερου|συνδεσης)|"
    r"πεφτει\s+(?:συνεχεια|το\s+δικτυο|η\s+εφαρμογη)|επιστροφη\s+(?:των\s+)?χρηματων|"
    r"χρεωσ\w*\s+(?:\w+\s+){0,3}?(?:διπλα|δυο\s+φορες)|ακομα\s+(?:περιμενω|τιποτα)|"
    r"κανεις\s+δεν\s+(?:απαντα|σηκωνει|ασχολειται|βοηθα)|χωρις\s+(?:ρευμα|νερο|ιντερνετ|σημα))",
)
PRAISE_CUES = (
    r"(?:thanks?|thank\s+you|kudos|well\s+done|bravo|recommend(?:ed)?|love\s+(?:it|you|this))\b",
    r"(?:tesekkur\w*|sagol\w*|sag\s+olun|tebrik\w*|bravo|helal|tavsiye\s+ederim|oneririm)\b",
    r"(?:eline\s+saglik|emeg\w*\s+saglik|cok\s+memnun\w*|memnun\s+kald\w*|"
    r"super\w*siniz|iyi\s+ki\s+var\w*|harika\s+(?:hizmet|is|ekip))",
    r"(?:ευχαριστ|μπραβο|συγχαρητηρια|συστηνω|το\s+συνιστω)",
    r"(?:αψογ|ευχαριστημεν|ειστε\s+(?:οι\s+καλυτεροι|τελειοι|υπεροχοι)|"
    r"(?:εξαιρετικ|τελει|υπεροχ)\w*\s+(?:η\s+)?(?:εξυπηρετηση|δουλεια|υπηρεσια))",
)


# Greek writes its question mark as ";" (U+037E folds to it): after a Greek word it asks.
GREEK_QUESTION = re.compile(r"[α-ω]\s*;")

_GREEK_LETTER = re.compile(r"[α-ω]")
_LATIN_LETTER = re.compile(r"[a-z]")


def _scan(greek: bool) -> re.Pattern[str]:
    """One scan finds every cue of one script: named groups say which intent each match is
    a cue for. The cues are looked ahead for, not consumed, so one cue may overlap another
    ("aboneliği nasıl iptal ederim" is a question and a cue of leaving)."""
    groups = []
    for intent, patterns in (
        (COMPLAINT, COMPLAINT_CUES),
        (QUESTION, QUESTION_CUES),
        (SWITCHING, SWITCHING_ANYWHERE),
        (PRAISE, PRAISE_CUES),
    ):
        chosen = [p for p in patterns if bool(_GREEK_LETTER.search(p)) == greek]
        groups.append(f"(?P<{intent}>{'|'.join(chosen)})")
    return _folded(WORD_START + "(?=(?:" + "|".join(groups) + "))")


# A post is scanned only for the cues of the scripts it is written in.
SCANS = ((_LATIN_LETTER, _scan(greek=False)), (_GREEK_LETTER, _scan(greek=True)))


def marked(text: str, spans: list[tuple[int, int]], others: list[list[tuple[int, int]]]) -> str:
    """Folded text with this target's mentions as TARGET (ablative kept), others as OTHER."""
    edits = [(s, e, TARGET) for s, e in spans]
    edits += [(s, e, OTHER) for other in others for s, e in other]
    folded = fold(text)  # one character for one: the spans hold in it
    out, last = [], 0
    for start, end, marker in sorted(edits):
        if start < last:
            continue
        ablative = _ABLATIVE.search(folded[start:end]) if marker == TARGET else None
        out += [folded[last:start], f" {marker}", ablative.group(1) if ablative else "", " "]
        last = end
    out.append(folded[last:])
    return "".join(out)


def intents(folded: str, compound: float | None) -> tuple[str, ...]:
    """Intents named in folded text (marked or not), in a fixed order."""
    cued = {
        found.lastgroup
        for letter, scan in SCANS
        if letter.search(folded)
        for found in scan.finditer(folded)
    }
    negative = compound is not None and compound <= COMPLAINT_AT
    positive = compound is not None and compound >= PRAISE_AT
    if negative:
        cued.add(COMPLAINT)
    if "?" in folded or (";" in folded and GREEK_QUESTION.search(folded)):
        cued.add(QUESTION)
    if OTHER in folded:
        cued.discard(SWITCHING)  # with two targets, only a cue aimed at this one counts
    if _leaves_target(folded):
        cued.add(SWITCHING)
    if negative:
        cued.discard(PRAISE)
    elif positive and not cued & {COMPLAINT, SWITCHING}:
        cued.add(PRAISE)  # a warm tone alone is no praise in a post about leaving
    return tuple([intent for intent in ORDER if intent in cued])


def _leaves_target(folded: str) -> bool:
    """Whether a cue of leaving is aimed at this target (marked TARGET)."""
    end = folded.rfind(TARGET) + 1
    return bool(end) and bool(
        TARGET_THEN_CUE.search(folded) or CUE_THEN_TARGET.search(folded, 0, end)
    )
