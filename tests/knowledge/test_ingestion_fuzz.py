"""Property-based: whatever bytes a source file holds (binary junk, broken or truncated PDFs,
markup soup, huge files), reading it either gives text blocks or one clear SourceError; nothing
else ever escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge import documents
from knowledge.documents import SourceError, load_document

SUFFIXES = [".txt", ".md", ".html", ".pdf"]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def read(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"source{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path)
        except SourceError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc).strip()
            return
        assert doc.blocks and all(isinstance(b.text, str) for b in doc.blocks)


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=4096))
def test_binary_junk_in_any_source_type(suffix, data):
    read(suffix, data)


@FUZZ
@given(suffix=st.sampled_from([".txt", ".md", ".html"]),
       text=st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_arbitrary_text_and_markup(suffix, text):
    read(suffix, text.encode("utf-8"))


@pytest.fixture
def real_pdf(make_pdf) -> bytes:
    return make_pdf("Power constraints", "Leadership shapes what careers services try. " * 20
                    ).read_bytes()


@FUZZ
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                           max_size=20))
def test_broken_and_truncated_pdfs(real_pdf, cut, flips):
    data = bytearray(real_pdf[: max(1, int(len(real_pdf) * cut))])
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    read(".pdf", bytes(data))


def test_a_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_SOURCE_BYTES", 1024 * 1024)
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(2 * 1024 * 1024)  # sparse: 2 MB on paper
    with pytest.raises(SourceError, match="larger than 1 MB"):
        load_document(path)
