"""Reading sources of each format and chunking them by structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.chunking import MAX_CHARS, chunk_document, details_text, split_text
from knowledge.documents import SourceError, find_sources, load_document

SUMMARY = Path(__file__).resolve().parents[2] / "knowledge/sources/mcloughlin-2023-summary.txt"

FINDINGS = [
    "The central role of power dynamics",
    "Constructing practitioner empowerment",
    "Systems thinking",
    "Contrasting perspectives",
    "Leadership's role",
    "Influence of social norms",
    "Language and identity crisis",
    "Power, a multifaceted need",
]


@pytest.fixture(scope="module")
def chunks():
    return chunk_document(load_document(SUMMARY))


def test_each_part_of_the_summary_is_its_own_chunk(chunks):
    sections = [c.section for c in chunks]
    assert sections == ["Introduction", *FINDINGS, "About the study",
                        "Funding", "Document details", "Not covered"]
    by_section = {c.section: c for c in chunks}
    for finding in FINDINGS:
        assert by_section[finding].parent == "Key findings"
        assert by_section[finding].text.startswith(finding + " - ")
    # the download box is page furniture, never a passage; its facts are in the details
    assert not any("File size" in c.text or "Download PDF" in c.text for c in chunks)
    details = by_section["Document details"].text
    assert "a 34-page PDF document that can be downloaded from the public page" in details
    assert "luminate.prospects.ac.uk" in details
    # the grant's ceiling is what future applicants may get, not what this study received
    assert "funded by the Jisc careers research grant." in details
    assert "may be eligible for funding of up to £5,000" in details
    assert by_section["Funding"].text.startswith("This research was funded by Jisc")
    assert "grounded interviews" in by_section["About the study"].text
    assert "This research was funded" not in by_section["About the study"].text
    assert by_section["Introduction"].text.startswith(
        "How do career development practitioners innovate in HE?")


def test_page_furniture_is_dropped_and_chunks_stay_small(chunks):
    text = "\n".join(c.text for c in chunks)
    for furniture in ("Page navigation", "Loading articles", "Get insights", "tagged with",
                      "{{}}"):
        assert furniture not in text
    assert all(len(c.text) <= MAX_CHARS for c in chunks)


def test_attribution_is_kept_on_every_chunk(chunks):
    for c in chunks:
        assert c.source == "How do career development practitioners innovate in HE?"
        assert c.citation == "McLoughlin (2023)"
        assert c.url.startswith("https://luminate.prospects.ac.uk/")
    details = chunks[-2]
    assert details.kind == "details"
    for fact in ("Holly McLoughlin", "October 2023", "34-page", "Jisc careers research grant"):
        assert fact in details.text
    assert all(c.kind == "passage" for c in chunks[:-2])
    assert chunks[-1].kind == "not_covered" and len(chunks[-1].questions) >= 20


def test_indexed_questions_are_attached_to_their_passages(chunks):
    funding = next(c for c in chunks if c.section == "Funding")
    assert "Who funded the research?" in funding.questions


def test_long_sections_are_split_with_overlap():
    sentences = [f"Sentence number {i} says something about careers work." for i in range(60)]
    windows = split_text(" ".join(sentences), max_chars=400, overlap=120)
    assert len(windows) > 5
    assert all(len(w) <= 400 for w in windows)
    for a, b in zip(windows, windows[1:], strict=False):
        assert a.split(". ")[-1].rstrip(".") in b  # the last sentence of one opens the next
    assert split_text("short text") == ["short text"]
    # one enormous sentence with no full stop is still cut at words
    assert all(len(w) <= 400 for w in split_text("word " * 500, max_chars=400))


def test_markdown_headings_and_lists(tmp_path):
    md = tmp_path / "report.md"
    md.write_text(
        "# How can we do this?\n\nAn opening paragraph about the study and why it matters "
        "to careers services.\n\n## Findings\n\n- Power - power structures steer decisions "
        "of practitioners in universities.\n- Norms - professional norms of behaviour are "
        "barriers to change.\n\n## Method\n\nGrounded interviews with practitioners in one "
        "institution, analysed with grounded theory.\n\n## Empty\n\n",
        encoding="utf-8")
    chunks = chunk_document(load_document(md))
    assert [(c.parent, c.section) for c in chunks] == [
        ("", "How can we do this?"), ("Findings", "Power"), ("Findings", "Norms"),
        ("How can we do this?", "Method")]


def test_html_ignores_navigation_and_scripts(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><script>var tracking = 1;</script></head><body><nav><li>Home</li></nav>"
        "<h1>The study</h1><p>This research explores decision-making around innovation by "
        "career development practitioners.</p><h2>Findings</h2><ul><li>Leadership - leaders "
        "should foster evidence-based innovation in careers services.</li></ul>"
        "<footer>Cookie settings and the privacy policy of the site</footer></body></html>",
        encoding="utf-8")
    chunks = chunk_document(load_document(page))
    assert [c.section for c in chunks] == ["The study", "Leadership"]
    assert "tracking" not in " ".join(c.text for c in chunks)
    assert "Cookie" not in " ".join(c.text for c in chunks)


def test_pdf_text_is_read_and_wrapped_lines_joined(make_pdf):
    body = ("Career development practitioners described how decisions about new services were "
            "made above them, and how they built coalitions with academic colleagues to get "
            "group sessions accepted by the institution. ") * 3
    path = make_pdf("Power constraints and barriers", body)
    chunks = chunk_document(load_document(path))
    assert chunks[0].section == "Power constraints and barriers"
    assert "built coalitions with academic colleagues" in chunks[0].text
    assert "\n" not in chunks[0].text  # wrapped lines became one paragraph


@pytest.mark.parametrize("name,content,reason", [
    ("report.docx", b"PK\x03\x04", "unsupported file type"),
    ("junk.txt", b"\x00\x01\x02binary", "binary"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
    ("empty.md", b"   \n\n", "no text"),
])
def test_bad_sources_get_a_clear_error(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=reason):
        load_document(path)


def test_a_folder_expands_to_its_supported_files(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\ntext", encoding="utf-8")
    (tmp_path / "b.toml").write_text("", encoding="utf-8")
    (tmp_path / "c.pdf").write_bytes(b"")
    assert [p.name for p in find_sources([tmp_path])] == ["a.md", "c.pdf"]
    with pytest.raises(SourceError, match="no such file"):
        find_sources([tmp_path / "nothing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no source documents"):
        find_sources([tmp_path / "empty"])


def test_details_text_needs_metadata():
    assert details_text({}) == ""
    assert "by A. Author" in details_text({"title": "T", "author": "A. Author"})
