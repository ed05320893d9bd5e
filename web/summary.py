"""What a trainer sees of a group session, and its exports: built from the stored session.

Participants are "Participant N" throughout; the answers are only those shared with the trainer.
The exports carry no names, sender ids or participant numbers: the CSV has one row per shared
answer (prompt, answer, cluster, finding, time), the Markdown a readable summary for the group.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from actions.citations import cite, excerpt
from actions.themes import THEMES, SessionPrompt, session_prompts
from knowledge.chunking import Chunk
from knowledge.index import read_chunks
from store.models import GroupSession, SharedAnswer
from web.clusters import cluster

CSV_COLUMNS = ("prompt", "answer", "cluster", "finding", "time")
TOP_PASSAGES = 3
FINDING_TITLES = {t.section: t.title for t in THEMES.values()}


@dataclass
class ParticipantView:
    name: str
    answered: int
    at: str  # the prompt they are on, or "waiting", "finished"
    shares: str  # "shares", "private", "not asked yet"


@dataclass
class ClusterView:
    label: str
    answers: list[str]


@dataclass
class PromptView:
    number: int
    label: str
    text: str
    released: bool
    shared: int
    clusters: list[ClusterView]


@dataclass
class PassageView:
    heading: str
    quote: str
    answers: int


@dataclass
class SessionView:
    id: int
    code: str
    title: str
    trainer_paced: bool
    current: int  # trainer-paced: the prompt released (1-based)
    prompts_total: int
    ended: bool
    created: str
    participants: list[ParticipantView]
    prompts: list[PromptView]
    findings: list[tuple[str, int]]  # (finding, shared answers touching it), every finding
    passages: list[PassageView]
    full: bool = False  # GROUP_MAX_PARTICIPANTS reached: others are turned away

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


_chunks: dict[Path, dict[str, Chunk]] = {}
_lock = threading.Lock()


def passages(index: Path) -> dict[str, Chunk]:
    """The index's chunks by id (read once per process)."""
    with _lock:
        if index not in _chunks:
            try:
                _chunks[index] = {c.chunk_id: c for c in read_chunks(index)}
            except OSError:  # no index yet: no passages to show
                return {}
        return _chunks[index]


def _stamp(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _shared(row: GroupSession) -> list[SharedAnswer]:
    return sorted((a for p in row.participants for a in p.answers),
                  key=lambda a: (a.prompt, a.created_at, a.id))


def _clusters(answers: list[SharedAnswer]) -> tuple[list[ClusterView], dict[int, str]]:
    """The answers' clusters, and each answer's cluster label by answer id."""
    groups = cluster([a.vector for a in answers], [a.text for a in answers])
    label_of = {answers[i].id: g.label for g in groups for i in g.members}
    return [ClusterView(g.label, [answers[i].text for i in g.members]) for g in groups], label_of


def _place(row: GroupSession, prompts: list[SessionPrompt], position: int) -> str:
    n = len(prompts)
    if row.trainer_paced:
        if position > row.current:
            return "finished" if row.current >= n - 1 else "waiting for the next prompt"
        position = row.current
    return "finished" if position >= n else prompts[position].label


def view(row: GroupSession, index: Path, max_participants: int = 0) -> SessionView:
    prompts = session_prompts(row.themes, row.closing_question)
    answers = _shared(row)
    prompt_views = []
    for p in prompts:
        mine = [a for a in answers if a.prompt == p.index]
        groups, _ = _clusters(mine)
        released = not row.trainer_paced or p.index <= row.current
        prompt_views.append(PromptView(p.index + 1, p.label, p.text, released, len(mine),
                                       groups))
    people = [ParticipantView(
        f"Participant {p.number}", p.answered, _place(row, prompts, p.position),
        {True: "shares", False: "private", None: "not asked yet"}[p.shares])
        for p in row.participants]
    touched = Counter(f for a in answers for f in a.findings)
    chunks = passages(index)
    near = Counter(a.passage for a in answers if a.passage in chunks)
    return SessionView(
        row.id, row.code, row.title, row.trainer_paced, row.current + 1, len(prompts),
        row.ended_at is not None, _stamp(row.created_at), people, prompt_views,
        [(title, touched.get(section, 0)) for section, title in FINDING_TITLES.items()],
        [PassageView(chunks[c].heading, f"“{excerpt(chunks[c])}” {cite(chunks[c])}", n)
         for c, n in near.most_common(TOP_PASSAGES)],
        full=bool(max_participants) and len(people) >= max_participants)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's advice: a leading
    single quote before =, +, -, @, tab or carriage return)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def export_csv(row: GroupSession) -> str:
    """One row per shared answer; no names, ids or participant numbers; no cell a formula."""
    prompts = session_prompts(row.themes, row.closing_question)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    answers = _shared(row)
    for p in prompts:
        mine = [a for a in answers if a.prompt == p.index]
        _, label_of = _clusters(mine)
        for a in mine:
            writer.writerow([_cell(c) for c in (
                f"{p.index + 1}. {p.label}", a.text, label_of[a.id],
                "; ".join(FINDING_TITLES.get(f, f) for f in a.findings), _stamp(a.created_at))])
    return out.getvalue()


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def export_markdown(row: GroupSession, index: Path) -> str:
    """A summary for the group: each prompt's themes and answers, the findings and passages."""
    v = view(row, index)
    shared = sum(p.shared for p in v.prompts)
    lines = [f"# {v.title}", "",
             f"A guided reflection session with Praxis, {v.created}: "
             f"{len(v.participants)} participants, {shared} answers shared anonymously "
             f"({'trainer-paced' if v.trainer_paced else 'self-paced'}). Grounded in "
             "McLoughlin (2023), “How can we do this? Power constraints and barriers to "
             "innovation”.", ""]
    for p in v.prompts:
        lines += [f"## {p.number}. {p.label}", "", _quoted(p.text), ""]
        if not p.clusters:
            lines += ["No answers were shared for this prompt.", ""]
            continue
        lines += [f"{p.shared} shared answer{'s' if p.shared != 1 else ''}, in "
                  f"{len(p.clusters)} group{'s' if len(p.clusters) != 1 else ''}:", ""]
        for c in p.clusters:
            lines += [f"### {c.label} ({len(c.answers)})", ""]
            lines += [f"- {' '.join(a.split())}" for a in c.answers] + [""]
    lines += ["## The report's findings the answers touch", "", "| finding | answers |",
              "| --- | ---: |"]
    lines += [f"| {title} | {n} |" for title, n in v.findings] + [""]
    if v.passages:
        lines += ["## The passages the group's answers connect with most", ""]
        for passage in v.passages:
            lines += [f"- {passage.quote} ({passage.answers} answers)"]
        lines.append("")
    return "\n".join(lines)
