"""The deeper questions Praxis asks, the way a good supervisor would: one follow-up when an answer
only describes, a nudge when a next step is vague, and the words for where a reflection went
deeper. Nothing here is shown as a score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.depth import Depth

SKIP_WORDS = {"skip", "/skip", "skip it", "skip this", "skip that", "pass", "no thanks",
              "next", "move on"}

ROLE = re.compile(r"\b(manager|line manager|head of (service|department)|director|leader\w*|"
                  r"pvc|pro vice-chancellor|dean|boss|senior management|senior team)\b", re.I)
STUDENT = re.compile(r"\b(students?|graduates?|learners?)\b", re.I)

THEME_QUESTIONS = {
    "power_dynamics": "Whose interests did that decision serve, and whose were left out?",
    "empowerment": "What did you know, or who did you know, that made it possible, and would "
                   "a colleague without that have managed?",
    "systems_thinking": "What connects the parts you named: where does one part's decision "
                        "land on another?",
    "group_guidance": "What assumption about how guidance 'should' be delivered was at work "
                      "there?",
    "leadership": "The report calls on leaders to foster evidence-based innovation. What "
                  "evidence did your leaders weigh there, and whose voice was missing?",
    "social_norms": "Where do you think that rule came from, and who benefits from it staying "
                    "as it is?",
    "language_identity": "What did those words assume about what careers work is, and who "
                         "gets to decide that?",
    "power_with_others": "Who else felt the absence of that power, and what could you do about "
                         "it together?",
}


def _as_in_a_sentence(word: str) -> str:
    """A word of the answer as it reads mid-sentence: "Dean" -> "dean", "PVC" stays "PVC"."""
    return word.lower() if word[1:] == word[1:].lower() else word


def is_skip(text: str) -> bool:
    return text.strip().lower().rstrip(".!") in SKIP_WORDS


def deepening_question(theme: str, answer: str) -> str:
    """One question for a purely descriptive answer, chosen for the answer, then the theme."""
    if ROLE.search(answer):
        role = _as_in_a_sentence(ROLE.search(answer).group(0))
        return (f"What do you think mattered most to the {role} there, and how would they "
                "tell the story?")
    if STUDENT.search(answer):
        return "How would a student have described what happened, and what did it cost them?"
    return THEME_QUESTIONS.get(theme, "What assumption was at work there, and whose was it?")


# --- the next step ---------------------------------------------------------------------------

ACTION = re.compile(
    r"\b(i('ll| will| am going to|'m going to| plan to| intend to| want to| aim to)|"
    r"email|e-mail|meet|ask|book|propose|draft|share|present|invite|talk|speak|write|send|"
    r"run|pilot|map|set up|arrange|call|read|contact|raise|discuss|organise|organize|plan|"
    r"start|try|collect|gather|bring|suggest|schedule|visit|join|review|put)\b", re.I)
WHO = re.compile(
    r"\b(with|to) (my|our|the|a|an)\b|"
    r"\b(manager|head|director|team|colleagues?|students?|academics?|tutors?|faculty|"
    r"employers?|union|committee|group|office|dean|pvc|leadership|peers?|mentor|"
    r"supervisor|staff|advisers?|coordinator|lead)\b", re.I)
# a person named after a verb or preposition of the step ("Talk to Sam", "email Priya"): the
# name's capital letter is what tells it, so this one is case-sensitive
_CALENDAR = ("Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
             "April|May|June|July|August|September|October|November|December|I")
NAMED = re.compile(
    r"\b(?:[Ww]ith|[Tt]o|[Aa]sk|[Ee]-?mail|[Cc]all|[Mm]eet|[Tt]ell|[Cc]ontact|[Pp]hone|[Ss]ee|"
    r"[Mm]essage|[Tt]ext|[Ii]nvite|[Bb]rief|[Cc]atch up with)\s+"
    rf"(?!(?:{_CALENDAR})\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b")
WHEN = re.compile(
    r"\b(today|tomorrow|tonight|this (week|month|term|semester|year|afternoon|morning)|"
    r"next (week|month|term|semester|year|monday|tuesday|wednesday|thursday|friday)|"
    r"(by|on|before|after|from|until|this|next) "
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|"
    r"\d{1,2}(st|nd|rd|th)? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|"
    r"\d{1,2}/\d{1,2}(/\d{2,4})?|"
    r"(in|within) (a|one|two|three|four|six|\d+) (days?|weeks?|months?)|"
    r"end of (the )?(week|month|term|semester|year)|"
    r"(before|after) the (next )?(team meeting|away day|meeting|fair|holidays?|break))\b",
    re.I)

NUDGE_EXAMPLE = ("For example: \"I'll email my head of service by Friday to ask for ten "
                 "minutes at the next team meeting to propose a pilot.\"")


@dataclass(frozen=True)
class StepCheck:
    action: bool
    who: bool
    when: bool

    @property
    def concrete(self) -> bool:
        return self.action and self.who and self.when

    @property
    def missing(self) -> list[str]:
        return [name for name, ok in (("what you'll do", self.action),
                                      ("who or what it involves", self.who),
                                      ("when", self.when)) if not ok]


def check_step(text: str) -> StepCheck:
    return StepCheck(bool(ACTION.search(text)), bool(WHO.search(text) or NAMED.search(text)),
                     bool(WHEN.search(text)))


def nudge(check: StepCheck) -> str:
    missing = check.missing
    said = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    return ("A next step is easier to keep when it says what you'll do, who or what it "
            f"involves, and when. Yours doesn't say {said} yet. {NUDGE_EXAMPLE} Would you like "
            "to make yours more specific? If not, just send it again as it is.")


# --- where it went deeper ----------------------------------------------------------------------

CLAUSE_END = r"[^.;!?\n]{3,140}"
# the practitioner turning on their own assumption ("looking back, I assumed ..., but ...")
TURN = re.compile(r"\b(but|looking back|now i|i realis\w*|i realiz\w*|actually|in fact|"
                  r"wrong|not so sure|on reflection)\b", re.I)
FIRST_PERSON = re.compile(r"\b(i|me|my|mine|myself|we|us|our|ours)\b", re.I)


def deeper_note(step_label: str, answer: str, depth: Depth) -> str | None:
    """In plain words, how an answer went beyond describing; None for one that did not."""
    if depth.level < 3:
        return None
    m = re.search(rf"\b(i|we|they|she|he|[a-z]+)\s+(?:had\s+)?(?:always\s+)?assum\w*\s+"
                  rf"(?:that\s+)?({CLAUSE_END})", answer, re.I)
    if m:
        own = m.group(1).lower() in ("i", "we")
        turned = TURN.search(answer)
        clause = m.group(2).strip()
        if FIRST_PERSON.search(clause):  # their words, quoted: "that I should" would garble
            what = f"an assumption, in your words: “{clause}”"
        else:
            what = f"{'your' if own else 'the'} assumption that {clause}"
        verb = "questioned" if own and turned else "named"
        return f"In \"{step_label}\" you {verb} {what}."
    m = re.search(rf"\b(?:i wonder|perhaps|maybe)\s+{CLAUSE_END}", answer, re.I)
    if m:
        return f"In \"{step_label}\" you wondered aloud: “{m.group(0).strip()}”."
    if depth.markers.get("context"):
        word = _as_in_a_sentence(depth.markers["context"][0])
        return (f"In \"{step_label}\" you connected what happened with the bigger picture "
                f"({word}), not only the people in the room.")
    if depth.markers.get("perspective") or depth.markers.get("contrast"):
        return f"In \"{step_label}\" you looked at it from more than one side."
    return f"In \"{step_label}\" you went beyond describing what happened."
