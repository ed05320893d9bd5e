"""A finished reflection as the practitioner keeps it: a Markdown document of their answers, the
report findings it connects with (quoted and cited) and their next step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from actions.citations import cite, excerpt
from actions.themes import DEPTH_SOURCE, MODEL_NAME, MODEL_SOURCES, STEPS, Theme
from knowledge.chunking import Chunk

ANSWER_LABELS = {"answer_what": "What happened", "answer_so_what": "What it means",
                 "answer_now_what": "What could change", "next_step": "My next step"}


@dataclass(frozen=True)
class Reflection:
    theme: Theme
    answers: dict[str, str]  # slot -> the practitioner's words
    findings: list[Chunk]
    finished: date
    deeper: list[str] = field(default_factory=list)  # where it went deeper, in words

    @property
    def title(self) -> str:
        return f"Reflection on {self.theme.title.lower()}"

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.theme.title.lower()).strip("-")
        return f"praxis-reflection-{slug}-{self.finished.isoformat()}.md"

    def markdown(self) -> str:
        lines = [f"# {self.title}", "",
                 f"{self.finished:%d %B %Y} · a guided reflection with Praxis, following "
                 f"\"{MODEL_NAME}\"", ""]
        for slot in STEPS:
            if slot == "next_step" and self.deeper:
                lines += ["## Where it went deeper", "", *(f"- {n}" for n in self.deeper), ""]
            lines += [f"## {ANSWER_LABELS[slot]}", "", f"*{self.theme.prompt(slot)}*", "",
                      _as_paragraph(self.answers.get(slot, "")), ""]
            if slot == "answer_now_what" and self.findings:
                lines += ["## Findings it connects with", ""]
                for chunk in self.findings:
                    lines += [f"- **{chunk.heading}**", f"  > “{excerpt(chunk)}” {cite(chunk)}"]
                lines.append("")
        sources = sorted({f"{c.citation}, “{c.source}”" if c.citation else f"“{c.source}”"
                          for c in self.findings})
        lines += ["---", ""]
        if sources:
            lines += ["Quoted from " + "; ".join(sources) + ".", ""]
        lines.append(MODEL_SOURCES + (" " + DEPTH_SOURCE if self.deeper else ""))
        return "\n".join(lines).rstrip() + "\n"


def _as_paragraph(text: str) -> str:
    """The user's words as Markdown text: their line breaks kept, nothing of theirs read as a
    heading, list or quotation."""
    return "  \n".join(re.sub(r"^\s*([#>*+\-]|\d+[.)])", r"\\\1", line)
                       for line in text.strip().splitlines())
