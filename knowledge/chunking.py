"""Splitting a document's blocks into retrievable chunks, one section each.

Sections follow the document's structure: a heading opens one; a bullet of the form
"Title - text" under a heading (a key finding, say) is a section of its own; a paragraph named in
the metadata's ``section_starts`` opens one. Fragments too small to answer anything (menu lines,
empty headings) are dropped, as are sections the metadata names as ``furniture_sections`` (a
download box), and a section longer than ``max_chars`` is split at sentence ends into
overlapping windows.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from knowledge.documents import Block, Document

MAX_CHARS = 1200
OVERLAP_CHARS = 200
MIN_CHARS = 40

_TITLED_BULLET = re.compile(r"^(?P<title>[^.!?]{3,80}?)\s+[-–—:]\s+(?P<body>\S.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])")


@dataclass
class Chunk:
    """One passage of a source, the unit that is indexed, retrieved and quoted."""

    chunk_id: str
    section: str
    text: str
    source: str
    source_file: str
    parent: str = ""
    # "passage": the source's own words; "details": about the document; "not_covered": questions
    # the source does not answer (indexed to recognise them, never shown as a result)
    kind: str = "passage"
    citation: str = ""
    url: str = ""
    questions: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The section as it is cited: "Key findings: Leadership's role"."""
        return f"{self.parent}: {self.section}" if self.parent else self.section

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Section:
    title: str
    parent: str = ""
    texts: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.texts)


def _sections(doc: Document) -> list[_Section]:
    structure = doc.structure
    names: dict[str, str] = structure.get("headings", {})
    starts: list[list[str]] = structure.get("section_starts", [])
    current = _Section(structure.get("intro_title", "Introduction"))
    top = ""  # the heading that titled bullets hang under
    sections = [current]
    for block in doc.blocks:
        if block.kind == "heading":
            title = names.get(block.text, block.text)
            parent = top if block.level > 1 and top else ""
            if block.level <= 1:
                top = title
            current = _Section(title, parent)
            sections.append(current)
            continue
        if block.kind == "bullet":
            m = _TITLED_BULLET.match(block.text)
            if m and len(m["title"].split()) <= 10:
                sections.append(_Section(m["title"].strip(), current.title, [block.text]))
                continue
        for prefix, title in starts:
            if block.kind == "paragraph" and block.text.startswith(prefix):
                current = _Section(title)
                sections.append(current)
                break
        current.texts.append(_bulleted(block))
    return _merge_and_drop(sections, frozenset(structure.get("furniture_sections", [])))


def _bulleted(block: Block) -> str:
    return f"• {block.text}" if block.kind == "bullet" else block.text


def _merge_and_drop(sections: list[_Section], furniture: frozenset[str] = frozenset()
                    ) -> list[_Section]:
    merged: list[_Section] = []
    for s in sections:
        if merged and merged[-1].title == s.title and merged[-1].parent == s.parent:
            merged[-1].texts.extend(s.texts)
        else:
            merged.append(s)
    return [s for s in merged if len(s.body) >= MIN_CHARS and s.title not in furniture]


def sentences_of(text: str) -> list[str]:
    """The sentences (and lines) of a text."""
    return [s.strip() for line in text.splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


def split_text(text: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Split at sentence ends into windows of at most ``max_chars``, overlapping by about
    ``overlap`` characters of whole sentences. A single overlong sentence is cut at words."""
    if len(text) <= max_chars:
        return [text]
    sentences: list[str] = []
    for s in _SENTENCE_END.split(text):
        while len(s) > max_chars:
            cut = s.rfind(" ", 0, max_chars) if " " in s[:max_chars] else max_chars
            sentences.append(s[:cut].strip())
            s = s[cut:].strip()
        if s:
            sentences.append(s)
    windows: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and len(" ".join(current + [sentence])) > max_chars:
            windows.append(" ".join(current))
            tail: list[str] = []
            for prev in reversed(current):
                if len(" ".join([prev] + tail + [sentence])) > min(overlap, max_chars // 2):
                    break
                tail.insert(0, prev)
            current = tail
        current.append(sentence)
    if current:
        windows.append(" ".join(current))
    return windows


def details_text(attribution: dict[str, Any]) -> str:
    """A plain description of the document itself, from its metadata (not the report's words)."""
    a = attribution
    if not any(a.get(k) for k in ("title", "author", "date", "full_report", "funder", "url")):
        return ""
    text = f"\"{a['title']}\"" if a.get("title") else "The document"
    if a.get("author"):
        text += f" is by {a['author']}"
    if a.get("date") or a.get("publisher"):
        text += ", published" + (f" {a['date']}" if a.get("date") else "")
        text += f" on {a['publisher']}" if a.get("publisher") else ""
    text += "."
    if a.get("full_report"):
        text += f" It summarises the full report, \"{a['full_report']}\""
        pages = f"{a['full_report_pages']}-page " if a.get("full_report_pages") else ""
        kind = f"{pages}{a.get('full_report_format', '')}".strip()
        if kind:
            where = " that can be downloaded from the public page" if a.get("url") else ""
            text += f", a {kind} document{where}"
        text += "."
    if a.get("funder"):
        text += f" The research was funded by the {a['funder']}."
        if a.get("funding_limit"):
            text += (" Careers professionals planning research of their own may be eligible "
                     f"for funding of {a['funding_limit']} from it.")
    if a.get("url"):
        text += f" Public page: {a['url']}"
    return text.strip()


def chunk_document(
    doc: Document, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    """Chunk one document: its sections in order, then a details chunk when it has metadata."""
    a = doc.attribution
    common = {
        "source": doc.title,
        "source_file": doc.path.name,
        "citation": str(a.get("citation", "")),
        "url": str(a.get("url", "")),
    }
    chunks: list[Chunk] = []
    for section in _sections(doc):
        pieces = split_text(section.body, max_chars, overlap)
        for n, piece in enumerate(pieces, 1):
            title = section.title if len(pieces) == 1 else f"{section.title} ({n}/{len(pieces)})"
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.path.stem}:{len(chunks):03d}",
                    section=title,
                    parent=section.parent,
                    text=piece,
                    questions=list(doc.questions.get(section.title, [])),
                    **common,
                )
            )
    details = details_text(a)
    if details:
        chunks.append(
            Chunk(
                chunk_id=f"{doc.path.stem}:{len(chunks):03d}",
                section="Document details",
                text=details,
                kind="details",
                questions=list(doc.questions.get("Document details", [])),
                **common,
            )
        )
    if doc.not_covered:
        chunks.append(
            Chunk(
                chunk_id=f"{doc.path.stem}:{len(chunks):03d}",
                section="Not covered",
                text="Questions this source does not answer.",
                kind="not_covered",
                questions=list(doc.not_covered),
                **common,
            )
        )
    return chunks
