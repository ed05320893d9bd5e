"""How report passages are quoted and cited in messages."""

from __future__ import annotations

import re

from knowledge.chunking import Chunk, sentences_of

QUOTE_CHARS = 420
# a dateline ("October 2023") at the head of a page
_DATELINE = re.compile(r"^(?:\d{1,2} )?(?:January|February|March|April|May|June|July|August|"
                       r"September|October|November|December) \d{4}(?:\s+|$)")


def excerpt(chunk: Chunk, limit: int = QUOTE_CHARS) -> str:
    """The passage's own words, whole sentences up to ``limit`` characters; a key finding's
    title prefix ("Leadership's role - ") is left out, since the citation names it, and so are a
    page's own title and dateline at its head, which are not the report's words about anything."""
    text = chunk.text
    if chunk.parent and text.startswith(chunk.section):
        text = text[len(chunk.section):].lstrip(" -–—:")
    parts: list[str] = []
    for sentence in sentences_of(text):
        sentence = sentence.lstrip("• ")
        if not parts:
            if sentence == chunk.source:
                continue
            sentence = _DATELINE.sub("", sentence)  # a dateline on its own line or run in
            if not sentence:
                continue
        if parts and len(" ".join(parts + [sentence])) > limit:
            parts.append("…")
            break
        parts.append(sentence)
    return " ".join(parts)


def cite(chunk: Chunk) -> str:
    """"(Key findings: Leadership's role — McLoughlin (2023), "How do …")"."""
    who = f"{chunk.citation}, " if chunk.citation else ""
    return f"({chunk.heading} — {who}\"{chunk.source}\")"


def quote(chunk: Chunk) -> str:
    """The passage as a quotation with its citation; document details are labelled as such,
    since they describe the report rather than quote it."""
    if chunk.kind == "details":
        return f"About the document: {chunk.text}"
    return f"“{excerpt(chunk)}” {cite(chunk)}"


def finding_name(chunk: Chunk) -> str:
    """How a passage is named in a sentence: "the finding on leadership's role"."""
    if chunk.parent == "Key findings":
        return f"the report's finding on {chunk.section[0].lower()}{chunk.section[1:]}"
    return f"the report's section “{chunk.section}”"


class TextOnly(str):
    """A part of a message shown in its text only: a lead-in ("From the report: ") that a
    channel rendering citations as blocks labels on its own."""


def citation_block(chunk: Chunk) -> dict[str, str]:
    """A passage as a citation block: what a channel needs to show it apart from the prose."""
    return {
        "type": "citation",
        "label": "About the document" if chunk.kind == "details" else "From the report",
        "quote": chunk.text if chunk.kind == "details" else excerpt(chunk),
        "section": chunk.heading,
        "source": chunk.source,
        "author": chunk.citation,
        "url": chunk.url,
    }


def message(*parts: str | Chunk) -> dict[str, object]:
    """The keyword arguments of ``dispatcher.utter_message`` for prose and quoted passages.

    ``text`` is the whole message as every channel shows it (passages quoted and cited inline);
    ``json_message`` has the same content as ``blocks`` (text and citations), which the web
    widget renders with each citation in a block of its own. Strings carry their own spacing.
    """
    text = "".join(quote(p) if isinstance(p, Chunk) else p for p in parts)
    blocks: list[dict[str, str]] = []
    prose = ""
    for part in parts + ("",):
        if isinstance(part, Chunk) or part == "":
            if prose.strip():
                blocks.append({"type": "text", "text": prose.strip()})
            prose = ""
            if isinstance(part, Chunk):
                blocks.append(citation_block(part))
        elif not isinstance(part, TextOnly):
            prose += part
    return {"text": text, "json_message": {"blocks": blocks}}
