"""Relating a practitioner's answer to the report, the same way in a solo reflection and in a
group session, for every step (the next step included).

An answer is linked to its theme's own key finding when it comes close enough to it
(``GROUNDING_THRESHOLD``), and the reply quotes the sentence of the finding it comes closest to,
not the whole passage again. It is never linked to another finding: on answers labelled by a
careful reader (``tests/grounding/``), the passage closest to an answer was one the reader
accepted only about a third of the time, while the theme's own finding, when close enough, was
right more than nine times in ten (``praxis grounding-eval``). Nor is it linked to the page's
introduction or furniture. When the answer is not close enough, the reply says so and gives the
practitioner's own central sentence back to them, rather than forcing a link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actions.citations import cite, finding_name, message
from actions.retrieval import Retriever
from actions.themes import THEMES
from knowledge.chunking import Chunk, sentences_of

QUOTE_LIMIT = 300  # characters of the practitioner's own sentence given back


@dataclass(frozen=True)
class Link:
    """What an answer was related to: the theme's finding (and the sentence of it the answer
    comes closest to), or nothing, with the answer's own central sentence."""

    chunk: Chunk | None
    sentence: str  # of the finding when linked; of the answer when not
    score: float

    @property
    def linked(self) -> bool:
        return self.chunk is not None


def theme_finding(retriever: Retriever, theme_key: str) -> Chunk | None:
    """The key finding a theme is built on, as the knowledge base holds it."""
    theme = THEMES.get(theme_key or "")
    return retriever.section(theme.section) if theme else None


def _closest_sentence(embed, text: str, candidates: list[str]) -> str:
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    vectors = embed([text, *candidates])
    return candidates[int(np.argmax(vectors[1:] @ vectors[0]))]


def _finding_sentences(chunk: Chunk) -> list[str]:
    text = chunk.text
    if chunk.parent and text.startswith(chunk.section):
        text = text[len(chunk.section):].lstrip(" -–—:")
    return [s.lstrip("• ") for s in sentences_of(text)]


def closest_sentence(embed, text: str, finding: Chunk) -> str:
    """The sentence of ``finding`` that ``text`` comes closest to."""
    return _closest_sentence(embed, text, _finding_sentences(finding))


def relate(retriever: Retriever, embed, answer: str, theme_key: str,
           threshold: float) -> Link:
    """Relate ``answer`` (to a prompt of theme ``theme_key``) to the report."""
    finding = theme_finding(retriever, theme_key)
    score = 0.0
    if finding is not None:
        hits = retriever.search(answer, k=len(getattr(retriever, "chunks", [])) or 20)
        score = next((h.score for h in hits if h.chunk.chunk_id == finding.chunk_id), 0.0)
    if finding is not None and score >= threshold:
        return Link(finding, closest_sentence(embed, answer, finding), float(score))
    own = [s for s in sentences_of(answer) if len(s) <= QUOTE_LIMIT] or [answer[:QUOTE_LIMIT]]
    return Link(None, _closest_sentence(embed, answer, own), float(score))


def reply(link: Link, first_time: bool) -> dict[str, object]:
    """The reply's keyword arguments for ``dispatcher.utter_message``: the passage quoted the
    first time it comes up in a reflection, the one sentence of it the answer touches after."""
    if link.chunk is not None:
        if first_time:
            return message(f"Thank you. This connects with {finding_name(link.chunk)}: ",
                           link.chunk)
        return {"text": f"Thank you. That touches {finding_name(link.chunk)}, where it says: "
                        f"“{link.sentence}” {cite(link.chunk)}"}
    return {"text": "Thank you. The heart of it, as you put it: "
                    f"“{link.sentence.strip()}” The report's summary does not speak to that "
                    "directly, so I won't tie it to a finding."}


# --- measuring it ------------------------------------------------------------------------------

def label_sections() -> dict[str, str]:
    """The labels of ``tests/grounding/`` and the report sections they name."""
    return {**{key: t.section for key, t in THEMES.items()},
            "introduction": "Introduction", "about_study": "About the study"}


def evaluate(retriever: Retriever, embed, answers: list[dict], threshold: float) -> dict:
    """Precision of the finding named and the share of answers linked, over labelled answers
    (each: ``theme``, ``step``, ``findings`` (labels), ``text``); the links to a finding other
    than the theme's own counted apart, and each step's figures."""
    names = label_sections()
    rows = []
    for a in answers:
        link = relate(retriever, embed, a["text"], a["theme"], threshold)
        accepted = {names[f] for f in a.get("findings") or []}
        section = link.chunk.section if link.chunk else None
        rows.append({"step": a["step"], "linked": section is not None,
                     "right": section in accepted,
                     "off_theme": section not in (None, THEMES[a["theme"]].section)})

    def figures(part: list[dict]) -> dict:
        linked = [r for r in part if r["linked"]]
        off = [r for r in linked if r["off_theme"]]
        return {"answers": len(part), "linked_share": len(linked) / max(len(part), 1),
                "precision": sum(r["right"] for r in linked) / max(len(linked), 1),
                "off_theme_links": len(off),
                "off_theme_precision": (sum(r["right"] for r in off) / len(off)) if off else None}

    steps = sorted({r["step"] for r in rows}, key=lambda s: list(STEP_ORDER).index(s))
    return {**figures(rows), "by_step": {s: figures([r for r in rows if r["step"] == s])
                                         for s in steps}}


STEP_ORDER = ("answer_what", "answer_so_what", "answer_now_what", "next_step")
TARGETS = {"precision": 0.9, "linked_share": 0.6}
