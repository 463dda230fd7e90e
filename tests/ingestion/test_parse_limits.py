"""Files past what a manual holds are refused with a reason; a damaged page is skipped, not fatal."""

import zlib

import pytest
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from ingestion.parse import MAX_LINE_CHARS, parse_file
from ingestion.types import IngestError
from tests.pdfs import make_pdf


def _reason(path, kind, **kwargs) -> str:
    with pytest.raises(IngestError) as refused:
        parse_file(path, kind, **kwargs)
    return refused.value.reason


def _with_contents(source, target, pages: dict[int, bytes]):
    """Copy a PDF, replacing the content stream of some pages with Flate-marked bytes."""
    writer = PdfWriter(clone_from=str(source))
    for index, data in pages.items():
        stream = StreamObject()
        stream._data = data
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        writer.pages[index][NameObject("/Contents")] = writer._add_object(stream)
    writer.write(str(target))
    return target


@pytest.fixture
def three_pages(tmp_path):
    return make_pdf(tmp_path / "three.pdf", ["Prime the pump first.", "Close the vent screw.", "Replace the filter."])


def test_two_million_form_feeds_are_refused_by_their_count(tmp_path):
    path = tmp_path / "feeds.txt"
    path.write_text("x\f" * 2_000_000)
    assert _reason(path, "text").startswith("This file has 2,000,001 pages (form feeds), more than the 5,000")


def test_a_markdown_file_with_a_hundred_thousand_headings_is_refused(tmp_path):
    path = tmp_path / "headings.md"
    path.write_text("".join(f"# Heading {n}\n\nText.\n" for n in range(100_000)))
    assert _reason(path, "markdown").startswith("This file has 100,000 sections (headings)")


def test_a_pdf_over_the_page_limit_is_refused(three_pages):
    assert "3 pages, more than the 2 one manual may have" in _reason(three_pages, "pdf", max_pages=2)


def test_a_single_line_of_twenty_megabytes_is_refused_as_data(tmp_path):
    path = tmp_path / "one-line.txt"
    path.write_text("a" * (MAX_LINE_CHARS + 1))
    assert "a line of 20,001 characters" in _reason(path, "text")


def test_a_damaged_page_is_skipped_and_marked(three_pages, tmp_path):
    damaged = _with_contents(three_pages, tmp_path / "damaged.pdf", {1: b"\x00not zlib data\xff" * 8})
    pages = parse_file(damaged, "pdf")
    assert [page.unreadable for page in pages] == [False, True, False]
    assert pages[2].text == "Replace the filter."


def test_a_pdf_whose_every_page_is_damaged_is_refused_as_damaged(three_pages, tmp_path):
    damaged = _with_contents(three_pages, tmp_path / "damaged.pdf", dict.fromkeys(range(3), b"\x00not zlib\xff" * 8))
    assert _reason(damaged, "pdf").startswith("The file is damaged or is not a valid PDF (")


def test_a_decompression_bomb_is_named_as_one_not_as_a_scan(three_pages, tmp_path):
    bomb = zlib.compress(b" " * 200_000_000, 9)
    bombed = _with_contents(three_pages, tmp_path / "bomb.pdf", dict.fromkeys(range(3), bomb))
    assert "decompression bomb" in _reason(bombed, "pdf")


def test_textless_pages_unpacking_under_the_limit_but_huge_are_named_a_bomb_not_a_scan(three_pages, tmp_path):
    # Each page stays under pypdf's per-stream limit; together they unpack to 150 MB of nothing.
    big = zlib.compress(b" " * 50_000_000, 9)
    bombed = _with_contents(three_pages, tmp_path / "bomb.pdf", dict.fromkeys(range(3), big))
    reason = _reason(bombed, "pdf")
    assert "150 MB of drawing instructions and no text" in reason
    assert "scanned" not in reason
