"""What the author wants from a target: to complain, to ask, to leave it, or to praise it.

Cues are read on folded text (monitor.folding) so accents, Turkish letters and case do
not matter. In a window about one target, that target's mentions are replaced by TARGET
and other targets' by OTHER, so "left Turkcell for Vodafone" is churn from Turkcell only.
"""

from __future__ import annotations

import re

from monitor.folding import fold

COMPLAINT = "complaint"
QUESTION = "question"
SWITCHING = "switching"
PRAISE = "praise"

ORDER = (COMPLAINT, QUESTION, SWITCHING, PRAISE)

TARGET = "\ue000"
OTHER = "\ue001"
COMPLAINT_AT = -0.3
PRAISE_AT = 0.5

_T = TARGET
# An ablative ending on the mention, kept after the marker: "Turkcell'den" -> "\ue000den".
_ABLATIVE = re.compile(r"'?([dt][ea]n)$")


# Not preceded by a letter: cheaper than \b, which also stops at every word's end.
WORD_START = r"(?<!\w)"


def _any(*patterns: str, word_start: bool = True) -> re.Pattern[str]:
    """One pattern; alternatives starting at a word start share one check per position."""
    return re.compile((WORD_START if word_start else "") + "(?:" + "|".join(patterns) + ")")


SWITCHING_FROM_TARGET = _any(
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
    # Turkish: "Turkcell'den vazgeçtim / ayrıldım / kaçtım / geçtim", "Turkcell'i bıraktım"
    rf"{_T}'?[dt][ea]n\W+(?:\w+\W+){{0,3}}?"
    rf"(?:vazgec|ayril|kac|gec(?:ti|iyor|ece|mek|meyi)|tasi|kurtul)",
    rf"{_T}'?y?[iu]?\W+(?:\w+\W+){{0,2}}?(?:birak|iptal|degistir)",
    rf"{_T}'?[yn]?[ea]\s+alternatif",
    rf"{_T}\s+yerine",
    # Greek: "φεύγω από τη Vodafone", "αλλάζω από", "εναλλακτική για", "κλείνω ... στην"
    rf"(?:φευγ|φυγ|εφυγ|αλλαζ|αλλαξ)\w*\s+απο\s+(?:\w+\s+)?{_T}",
    rf"εναλλακτικ\w*\s+(?:\w+\s+)?(?:για|στ\w*|απο)\s+(?:\w+\s+)?{_T}",
    rf"(?:κλειν|κλεισ|ακυρων|ακυρωσ|διαγραφ)\w*\s+(?:\w+\s+){{0,4}}?{_T}",
    rf"τελος\s+(?:με\s+)?(?:\w+\s+)?{_T}",
    word_start=False,
)
SWITCHING_ANYWHERE = (
    r"(?:looking|searching)\s+for\s+(?:an?\s+)?(?:alternative|replacement|new\s+provider)",
    r"(?:thinking\s+(?:of|about)|going\s+to|want\s+to|about\s+to)\s+"
    r"(?:switch|leave|leaving|switching|cancel)",
    r"cancel+(?:ing|ed)?\s+my\s+(?:subscription|contract|account|plan)",
    r"alternatif\w*\s+(?:ari|oner|tavsiye|var\s*mi)",
    r"(?:vazgec|iptal\s+ettir|abonelig\w*\s+iptal|numara\w*\s+tasi|operator\w*\s+degis)",
    r"baska\s+(?:operator|banka|firma|sirket)",
    r"εναλλακτικ",
    r"(?:φευγω|θα\s+φυγω|αλλαζω\s+(?:παροχο|εταιρ|τραπεζ))",
)
QUESTION_CUES = (
    r"(?:any|some)\s+(?:recommendations?|suggestions?|advice|tips)\b",
    r"(?:can|could)\s+(?:any|some)one\s+(?:recommend|suggest|help)\b",
    r"(?:anyone|anybody)\s+(?:know|tried|using|recommend)\b",
    r"which\s+(?:one|is\s+better|should)\b",
    r"(?:should\s+i|recommend\s+me)\b",
    r"(?:mi|mu|misin|misiniz|miyim|musun|musunuz|miyiz|midir|mudur|miydi|muydu)\b",
    r"(?:oneri\w*|tavsiye\s+(?:eder\s*mi|edin|eder\s+misiniz|var)|hangisi\w*)\b",
    r"(?:ξερει|γνωριζει)\s+κανεις",
    r"(?:προτεινετε|συστηνετε|προτεινεται|ποιο\w*|ποια)\b",
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
    r"(?:παραπον|καταγγελ|απαραδεκτ|αισχος|ντροπη|δεν\s+(?:λειτουργ|δουλευ|απαντ|εχω\s+σημα))",
)
PRAISE_CUES = (
    r"(?:thanks?|thank\s+you|kudos|well\s+done|bravo|recommend(?:ed)?|love\s+(?:it|you|this))\b",
    r"(?:tesekkur\w*|sagol\w*|sag\s+olun|tebrik\w*|bravo|helal|tavsiye\s+ederim|oneririm)\b",
    r"(?:ευχαριστ|μπραβο|συγχαρητηρια|συστηνω|το\s+συνιστω)",
)


# One scan finds every cue: named groups say which intent each match is a cue for.
CUES = re.compile(
    WORD_START
    + "(?:"
    + "|".join(
        f"(?P<{intent}>{'|'.join(patterns)})"
        for intent, patterns in (
            (COMPLAINT, COMPLAINT_CUES),
            (QUESTION, QUESTION_CUES),
            (SWITCHING, SWITCHING_ANYWHERE),
            (PRAISE, PRAISE_CUES),
        )
    )
    + ")"
)


def marked(text: str, spans: list[tuple[int, int]], others: list[list[tuple[int, int]]]) -> str:
    """Folded text with this target's mentions as TARGET (ablative kept), others as OTHER."""
    edits = [(s, e, TARGET) for s, e in spans]
    edits += [(s, e, OTHER) for other in others for s, e in other]
    out, last = [], 0
    for start, end, marker in sorted(edits):
        if start < last:
            continue
        ablative = _ABLATIVE.search(fold(text[start:end])) if marker == TARGET else None
        out += [fold(text[last:start]), f" {marker}", ablative.group(1) if ablative else "", " "]
        last = end
    out.append(fold(text[last:]))
    return "".join(out)


def intents(folded: str, compound: float | None) -> tuple[str, ...]:
    """Intents named in folded text (marked or not), in a fixed order."""
    cued = {found.lastgroup for found in CUES.finditer(folded)}
    negative = compound is not None and compound <= COMPLAINT_AT
    positive = compound is not None and compound >= PRAISE_AT
    if negative:
        cued.add(COMPLAINT)
    if "?" in folded:
        cued.add(QUESTION)
    if OTHER in folded:
        cued.discard(SWITCHING)  # with two targets, only a cue aimed at this one counts
    if TARGET in folded and SWITCHING_FROM_TARGET.search(folded):
        cued.add(SWITCHING)
    if negative:
        cued.discard(PRAISE)
    elif positive and not cued & {COMPLAINT, SWITCHING}:
        cued.add(PRAISE)  # a warm tone alone is no praise in a post about leaving
    return tuple(intent for intent in ORDER if intent in cued)
