"""Reading source documents (.txt, .md, .html, .pdf) into structural blocks.

A reader turns a file into a flat list of :class:`Block` (heading, paragraph or bullet) and the
document's metadata; chunking works on blocks alone, so every format is chunked the same way.
Metadata comes from a TOML file beside the source (``report.pdf`` → ``report.toml``), which may
also name the structure of plain text (see ``sources/mcloughlin-2023-summary.toml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomllib

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
MAX_SOURCE_BYTES = 50 * 1024 * 1024

BlockKind = Literal["heading", "paragraph", "bullet"]

_BULLET = re.compile(r"^\s*(?:[•·▪‣◦*\-–]|\d{1,2}[.)])\s+")
_SPACES = re.compile(r"[ \t\u00a0]+")


class SourceError(ValueError):
    """A source document cannot be read; the message says which file and why."""


@dataclass(frozen=True)
class Block:
    """One structural unit of a document."""

    kind: BlockKind
    text: str
    level: int = 0  # heading level (1 = top); 0 for other kinds


@dataclass
class Document:
    """A source file read into blocks, with its metadata."""

    path: Path
    blocks: list[Block]
    attribution: dict[str, Any] = field(default_factory=dict)
    structure: dict[str, Any] = field(default_factory=dict)
    questions: dict[str, list[str]] = field(default_factory=dict)
    not_covered: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.attribution.get("title") or self.path.stem.replace("-", " "))


def clean(text: str) -> str:
    """Fold runs of white space and strip control characters."""
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return _SPACES.sub(" ", text).strip()


def metadata_path(path: Path) -> Path:
    return path.with_suffix(".toml")


def read_metadata(path: Path) -> dict[str, Any]:
    meta = metadata_path(path)
    if not meta.exists():
        return {}
    try:
        return tomllib.loads(meta.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{meta}: metadata is not valid TOML ({exc})") from exc


def _text_lines_to_blocks(lines: list[str], structure: dict[str, Any]) -> list[Block]:
    """Classify plain-text lines; join lines that a PDF or a text editor wrapped mid-paragraph."""
    headings: dict[str, str] = structure.get("headings", {})
    named = bool(headings)
    drop = set(structure.get("drop_lines", []))
    blocks: list[Block] = []
    for raw in lines:
        line = clean(raw)
        if not line or line in drop:
            continue
        if line in headings:
            blocks.append(Block("heading", line, 1))
            continue
        if _BULLET.match(line):
            blocks.append(Block("bullet", _BULLET.sub("", line, count=1)))
            continue
        if not named and _looks_like_heading(line):
            blocks.append(Block("heading", line, 1))
            continue
        prev = blocks[-1] if blocks else None
        if prev and prev.kind != "heading" and _continues(prev.text, line):
            blocks[-1] = Block(prev.kind, f"{prev.text} {line}")
        else:
            blocks.append(Block("paragraph", line))
    return blocks


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return (
        len(words) <= 10
        and len(line) <= 80
        and not line.endswith((".", ",", ";", ":"))
        and line[0].isupper()
        and not re.fullmatch(r"[\d\s.,%£$-]+", line)
    )


def _continues(previous: str, line: str) -> bool:
    """True when ``line`` carries on the sentence that ``previous`` left open."""
    return not previous.endswith((".", "?", "!", ":", '"', "”")) or line[:1].islower()


def read_text(path: Path, structure: dict[str, Any]) -> list[Block]:
    return _text_lines_to_blocks(_decode(path).splitlines(), structure)


def read_markdown(path: Path, structure: dict[str, Any]) -> list[Block]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(_decode(path))
    blocks: list[Block] = []
    in_item = 0
    heading_level = 0
    for tok in tokens:
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = 0
        elif tok.type == "list_item_open":
            in_item += 1
        elif tok.type == "list_item_close":
            in_item -= 1
        elif tok.type == "inline":
            text = clean(_inline_text(tok))
            if not text:
                continue
            if heading_level:
                blocks.append(Block("heading", text, heading_level))
            elif in_item:
                blocks.append(Block("bullet", text))
            else:
                blocks.append(Block("paragraph", text))
    return blocks


def _inline_text(token: Any) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def read_html(path: Path, structure: dict[str, Any]) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    blocks: list[Block] = []
    body = soup.body or soup
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li"]):
        if el.name == "li" and el.find(["p", "li"]):
            continue  # its children carry the text
        if el.name == "p" and el.find_parent("li"):
            kind: BlockKind = "bullet"
        else:
            kind = "bullet" if el.name == "li" else "paragraph"
        text = clean(el.get_text(" "))
        if not text or text in structure.get("drop_lines", []):
            continue
        if el.name.startswith("h"):
            blocks.append(Block("heading", text, int(el.name[1])))
        else:
            blocks.append(Block(kind, text))
    return blocks


def read_pdf(path: Path, structure: dict[str, Any]) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise SourceError(f"{path}: the PDF is encrypted; supply an unlocked copy")
        lines: list[str] = []
        for page in reader.pages:
            lines.extend((page.extract_text() or "").splitlines())
            lines.append("")
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise SourceError(f"{path}: not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    blocks = _text_lines_to_blocks(lines, structure)
    if not blocks:
        raise SourceError(f"{path}: the PDF has no extractable text (is it a scan?)")
    return blocks


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise SourceError(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_READERS = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
}


def load_document(path: Path) -> Document:
    """Read one source file and its metadata; raise :class:`SourceError` with a clear reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise SourceError(
            f"{path}: unsupported file type {suffix or '(none)'}; use one of "
            + ", ".join(SUPPORTED_SUFFIXES)
        )
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise SourceError(f"{path}: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    meta = read_metadata(path)
    structure = meta.get("structure", {})
    blocks = _READERS[suffix](path, structure)
    if not blocks:
        raise SourceError(f"{path}: no text found")
    return Document(
        path=path,
        blocks=blocks,
        attribution=meta.get("attribution", {}),
        structure=structure,
        questions=meta.get("questions", {}),
        not_covered=list(meta.get("not_covered", {}).get("questions", [])),
    )


def find_sources(paths: list[Path]) -> list[Path]:
    """Expand folders into the supported files inside them, sorted; files are kept as given."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise SourceError(f"{p}: no such file or folder")
        if p.is_dir():
            found.extend(
                sorted(f for f in p.iterdir() if f.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        else:
            found.append(p)
    if not found:
        raise SourceError("no source documents found in " + ", ".join(str(p) for p in paths))
    return found
