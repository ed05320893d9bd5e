"""Questions asking for a detail (a figure, a date, a name...) are answered only when the
closest passages give that kind of detail."""

from __future__ import annotations

import pytest

from knowledge import details

FUNDING = ("This research was funded by Jisc's careers research grant - if you're a careers "
           "professional planning to undertake research, you may be eligible for funding of up "
           "to £5,000.")
STUDY = ("This research explores the decision-making processes around innovation by career "
         "development practitioners (CDPs) in a UK higher education institution.")


@pytest.mark.parametrize("question,passage,missing", [
    ("how many advisers took part?", STUDY, "that figure"),
    ("How much money could I get for my own research?", FUNDING, None),
    ("what's the deadline to apply for the grant", FUNDING, "that date"),
    ("which uni was the study done at", STUDY, "the institution's name"),
    ("Which university was it?", "Interviews at the University of Leeds.", None),
    ("are there quotes from the interviewees?", "the term 'guidance' is used", "quotations from "
     "the people interviewed"),
    ("what journal was it published in?", STUDY, "the journal it appeared in"),
    ("what's the file size of the pdf?", "34 pages", "the file size"),
    ("what's the file size of the pdf?", "PDF, 1.2 MB", None),
    # questions that ask for no particular detail are left to the similarity rules
    ("how big a deal is power in whether we can do things differently", STUDY, None),
    ("how does the hierarchy steer what we decide", STUDY, None),
    ("was this done in a UK university?", STUDY, None),
])
def test_a_detail_asked_for_must_be_in_the_passage(question, passage, missing):
    assert details.missing(question, [passage]) == missing


def test_any_of_the_passages_may_give_the_detail():
    assert details.missing("how many pages is it?", [STUDY, "It has 34 pages."]) is None
    assert details.missing("how many pages is it?", []) == "that figure"


def test_the_knowledge_base_refuses_what_its_passages_lack(kb):
    from praxis import config

    s = config.Settings()
    asked = kb.coverage("Which university was the research carried out at?")
    assert asked.missing == "the institution's name"
    assert not asked.covered(s.report_threshold, s.coverage_margin)
    # the same subject without the detail is answered
    fine = kb.coverage("Was the research done in one university or several?")
    assert fine.missing is None and fine.covered(s.report_threshold, s.coverage_margin)
    pages = kb.coverage("how many pages is the full report?")
    assert pages.missing is None and pages.covered(s.report_threshold, s.coverage_margin)
