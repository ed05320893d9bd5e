"""Questions that ask for one kind of detail: a number, a date, an institution's name, a
quotation, a journal, a job title.

Embeddings judge what a question is *about*, not what it asks for: "which university was the
study done at?" is as close to the passage about the study as "how was the study done?" is, yet
the summary names no university. So a question that asks for such a detail is answered only when
one of the passages closest to it contains that kind of detail at all (a digit for "how many",
a month or year for "when is the deadline", "University of ..." for "which university"), and
otherwise told plainly which detail the sources do not give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December")


@dataclass(frozen=True)
class Detail:
    """One kind of detail: ``asks`` finds a question after it (case-insensitive), ``gives``
    finds it in a passage (case-sensitive, since names and months are capitalised)."""

    name: str  # in words, for the reply: "The report summary doesn't give {name}."
    asks: re.Pattern[str]
    gives: re.Pattern[str]


def _detail(name: str, asks: str, gives: str) -> Detail:
    return Detail(name, re.compile(asks, re.IGNORECASE), re.compile(gives))


DETAILS = (
    _detail("that figure",
            r"\bhow many\b|\bwhat (?:percentage|proportion) of\b|\bhow long (?:were|was|did)\b"
            r"|\bsample size\b|\bhow much (?:money|funding)\b",
            r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|"
            r"hundred|thousand|dozen|half|percent)\b"),
    _detail("that date",
            r"\bdeadlines?\b|\bnext round\b"
            r"|\bwhen (?:does|do|will|is|are) (?:the |it |applications? |\w+ grants? )?\w* ?open",
            rf"\b(?:{MONTHS})\b|\b(?:19|20)\d\d\b"),
    _detail("the institution's name",
            r"\b(?:which|what) (?:uni|university|universities|institution|college)\b"
            r"|\bname of the (?:uni|university|institution|college)\b",
            r"\bUniversity of [A-Z]|\b[A-Z][a-z]+ (?:University|College)\b"),
    _detail("quotations from the people interviewed",
            r"\bquot(?:e|es|ation|ations)\b|\bin their own words\b",
            r"[\"“][^\"”]{25,}[\"”]"),
    _detail("the file size", r"\bfile size\b|\bhow (?:big|large) is the (?:pdf|file)\b",
            r"\b\d+(?:\.\d+)? ?(?:KB|kB|MB|GB)\b"),
    _detail("the journal it appeared in", r"\bjournals?\b", r"\bJournal\b"),
    _detail("job titles", r"\bjob titles?\b",
            r"\b(?:Lecturer|Professor|Head of|Director|Manager|Adviser|Consultant|Officer)\b"),
)


def asked(question: str) -> list[Detail]:
    """The kinds of detail ``question`` asks for (usually none)."""
    return [d for d in DETAILS if d.asks.search(question)]


def missing(question: str, passages: Iterable[str]) -> str | None:
    """The name of a detail ``question`` asks for that none of ``passages`` gives, or None."""
    wanted = asked(question)
    if not wanted:
        return None
    texts = list(passages)
    for detail in wanted:
        if not any(detail.gives.search(t) for t in texts):
            return detail.name
    return None
