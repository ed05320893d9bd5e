"""The safety net's floor: phrases that always signal risk, whatever a model makes of them.

Both environments use it (standard library only). The action server's detector (``actions.risk``)
adds it to the learned model's verdict, and the Rasa server's guard (``bot.components.safety``)
falls back on it alone when the detector cannot be reached. Only phrases that a careful reader
would take as risk in any context belong here: "hopeless", "can't cope" or "panic attacks" are
ordinary words in careers work ("a hopeless booking system", "students' panic attacks about
applications"), so the model, which sees the whole message, decides those.
"""

from __future__ import annotations

import re

# The kinds of trouble, most serious first. Each has its own reply (actions/safety.py).
LIFE = "life"  # risk to life now: a plan, means, not safe tonight
SUICIDAL = "suicidal"  # suicidal thoughts or self-harm
DISTRESS = "distress"  # serious distress
MISTREATMENT = "mistreatment"  # bullying, belittling, harassment at work
STRESS = "stress"  # burnout, work stress, sick leave
KINDS = (LIFE, SUICIDAL, DISTRESS, MISTREATMENT, STRESS)

_PHRASES: dict[str, list[str]] = {
    LIFE: [
        r"(?:not|don'?t feel|never felt less) safe (?:tonight|right now|at the moment|today)",
        r"(?:have|'ve|just) (?:taken|swallowed) "
        r"(?:an overdose|(?:all )?(?:my|the) (?:pills|tablets))",
        r"(?:wrote|written|left|writing) (?:a|my) (?:suicide |goodbye )?note",
        r"plan(?:ned|ning)? (?:to|how to|how i'?ll|how i will) (?:kill myself|end (?:it|my life))",
        r"(?:going|gonna) to (?:kill myself|end (?:it all|my life)) (?:tonight|today|tomorrow)",
    ],
    SUICIDAL: [
        r"(?:i'?m|i am|feel(?:ing)?|been|felt) suicidal", r"suicidal (?:thoughts|feelings|again)",
        r"kill(?:ing)? myself", r"end(?:ing)? my (?:own )?life", r"take my (?:own )?life",
        r"end(?:ing)? it all", r"want(?:ed)? to die", r"wish i (?:was|were|could be) dead",
        r"better off (?:dead|without me)",
        r"(?:don'?t|do not) want to (?:be alive|live any ?more|exist|be here any ?more)",
        r"self[- ]?harm(?:ing|ed)?", r"(?:harm|hurt|cut|burn)(?:ing)? myself",
        r"no (?:point|reason) (?:in )?(?:living|being alive|staying alive)",
        r"(?:hope|wish) i (?:don'?t|do not|wouldn'?t|never) wake up",
        r"(?:think|thinks|thought|thinking) (?:about|of) ending it",
        r"(?:everyone|they|people|the team) (?:would|'d) be better off "
        r"(?:without me|if i (?:just )?"
        r"(?:wasn'?t|weren'?t|was not|were not) (?:here|around))",
    ],
    # "my manager is a bully", "she's bullying me"; not "anti-bullying policy"
    MISTREATMENT: [r"(?:is|'s|are|'re) (?:a |such a |an absolute |a real |a total )?bull(?:y|ies)",
                   r"bull(?:ying|ies) me", r"(?:i'?m|i am|i'?ve been|i have been) "
                   r"(?:being )?bullied"],
    DISTRESS: [r"nervous breakdown", r"(?:i'?m|i am|feel(?:ing)?) (?:so |really )?depressed",
               # not "can't go on leave", "can't go on the course"
               r"(?:can'?t|cannot|can not) (?:go on|carry on|keep going)(?= like this|[.!,]|$)",
               # not "stopped eating lunch at my desk"
               r"(?:i'?ve|i have|i) (?:stopped|given up|gave up) eating(?= and|[.!,;]|$)",
               r"(?:haven'?t|have not|hardly) (?:eaten|slept) (?:properly )?(?:in|for) "
               r"(?:days|weeks)"],
}
_PATTERNS = {kind: re.compile(r"\b(?:" + "|".join(p) + r")\b", re.IGNORECASE)
             for kind, p in _PHRASES.items()}


def normalise(text: str) -> str:
    """Curly apostrophes as straight ones, white space folded."""
    return " ".join(text.replace("’", "'").replace("‘", "'").split())


def phrase_kind(text: str) -> str | None:
    """The most serious kind whose phrase occurs in ``text``; None when none does."""
    text = normalise(text)
    return next((kind for kind in KINDS if kind in _PATTERNS and _PATTERNS[kind].search(text)),
                None)


def more_serious(a: str | None, b: str | None) -> str | None:
    """The more serious of two kinds (None is no risk)."""
    if a is None or b is None:
        return a or b
    return a if KINDS.index(a) <= KINDS.index(b) else b
