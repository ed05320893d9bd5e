"""Starting from what the practitioner brings.

Someone may open with their situation ("My PVC has just cancelled our group workshop pilot and
I want to think it through") rather than a bare request to reflect. Then Praxis offers the one
or two themes whose key findings the situation comes closest to, each with the sentence of the
finding it touches, and takes what they wrote as the start of the "What?" step, asking them to
say more instead of to describe it again. A bare request ("I'd like to do a reflection") gets
the eight themes as before. Which messages tell a situation is read from how they are put
(``praxis.phrasing.situation_of``).
"""

from __future__ import annotations

from dataclasses import dataclass

from actions import grounding
from actions.retrieval import Retriever
from actions.themes import THEMES, Theme

SITUATION = "situation"  # the slot that keeps what they opened with, until the "What?" step
SECOND_THEME_MARGIN = 0.05  # a second theme is offered when it comes this close to the first
MOST_THEMES = 2


@dataclass(frozen=True)
class Fit:
    """A theme a situation fits, and the sentence of its finding the situation touches."""

    theme: Theme
    sentence: str
    score: float


def fitting_themes(retriever: Retriever, embed, situation: str, threshold: float) -> list[Fit]:
    """The one or two themes whose key findings ``situation`` comes closest to, at least
    ``threshold`` (the answers' link threshold): best first; none when no finding is close."""
    hits = retriever.search(situation, k=len(getattr(retriever, "chunks", [])) or 20)
    score = {h.chunk.chunk_id: h.score for h in hits}
    fits = []
    for theme in THEMES.values():
        finding = grounding.theme_finding(retriever, theme.key)
        if finding is not None and score.get(finding.chunk_id, 0.0) >= threshold:
            fits.append(Fit(theme, grounding.closest_sentence(embed, situation, finding),
                            score[finding.chunk_id]))
    fits.sort(key=lambda f: -f.score)
    return [f for f in fits[:MOST_THEMES] if fits[0].score - f.score <= SECOND_THEME_MARGIN]


def offer_text(fits: list[Fit]) -> str:
    """The offer of the themes that fit, with a line on why each does."""
    if not fits:
        return ("Thank you for starting with what happened. I can't tell which of the report's "
                "findings it is closest to, so please choose the theme that suits it best. Once "
                "you have, I'll ask you to say a little more about it.")
    lines = [f"- **{f.theme.title}**: the report's finding on "
             f"{f.theme.section[0].lower()}{f.theme.section[1:]} says “{f.sentence}”"
             for f in fits]
    which = "this theme" if len(fits) == 1 else "one of these themes"
    return ("Thank you for starting with what happened. It seems closest to " + which
            + ":\n" + "\n".join(lines) + "\n\nWould you like to reflect on "
            + ("it" if len(fits) == 1 else "one of them")
            + ", or on another theme? Once you've chosen, I'll ask you to say a little more "
            "about it.")


def say_more_prompt(situation: str) -> str:
    """The "What?" step for a practitioner who has already said what happened."""
    quoted = situation if len(situation) <= 400 else situation[:400].rsplit(" ", 1)[0] + " …"
    return (f"You wrote: “{quoted}” Say a little more about what happened: who was involved, "
            "what was decided, and how it unfolded?")
