"""What a quotation from the report may hold: the report's words, never the page's furniture."""

from __future__ import annotations

from actions import citations


def test_the_introduction_is_quoted_from_its_words_not_the_page_title(kb):
    intro = kb.section("Introduction")
    assert intro.text.startswith(intro.source)  # the title is indexed, to be found by
    quoted = citations.excerpt(intro)
    assert not quoted.startswith(intro.source)
    assert "October 2023" not in quoted
    assert quoted.startswith("Holly McLoughlin explores")


def test_no_passage_quotes_the_download_box(kb):
    for chunk in kb.chunks:
        shown = citations.quote(chunk)
        for furniture in ("File type", "File size", "Number of pages in document",
                          "Download PDF file", "Download the full report"):
            assert furniture not in shown, (chunk.section, furniture)


def test_the_full_report_is_described_as_facts_with_the_link(kb):
    block = citations.citation_block(kb.section("Document details"))
    assert block["label"] == "About the document"
    assert "34-page PDF" in block["quote"]
    assert block["url"].startswith("https://luminate.prospects.ac.uk/")
