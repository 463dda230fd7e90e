from fpdf import FPDF

from ingestion.outline import OutlineEntry, pdf_outline
from ingestion.sections import Heading, find_headings, navigation_pages
from ingestion.types import Page


def write_bookmarked_pdf(path):
    """A three-page PDF whose outline has a chapter and two sections, one starting mid-page."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.start_section("Contents", level=0)
    pdf.multi_cell(0, 6, "Contents\nInstallation . . . . . . . 2", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.start_section("Installation", level=0)
    pdf.multi_cell(0, 6, "Installation\n\nUnpack the unit.", new_x="LMARGIN", new_y="NEXT")
    pdf.start_section("Mounting the bracket", level=1)
    pdf.multi_cell(0, 6, "Mounting the bracket\nUse four M6 screws.", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.start_section("Wiring", level=1)
    pdf.multi_cell(0, 6, "Wiring\nConnect the mains last.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_it_reads_the_outline_with_levels_and_pages(tmp_path):
    path = tmp_path / "manual.pdf"
    write_bookmarked_pdf(path)

    assert pdf_outline(path) == [
        OutlineEntry("Contents", 1, 0),
        OutlineEntry("Installation", 1, 1),
        OutlineEntry("Mounting the bracket", 2, 1),
        OutlineEntry("Wiring", 2, 2),
    ]


def test_a_file_without_a_readable_outline_has_none(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really a pdf %%EOF")

    assert pdf_outline(path) == []


def test_bookmarks_are_placed_where_their_titles_begin():
    pages = [
        Page(1, "Contents\nInstallation 2"),
        Page(2, "Installation\n\nUnpack the unit.\nMounting the bracket\nUse four M6 screws."),
        Page(3, "The wiring comes last.\nWiring\nConnect the mains last."),
    ]
    outline = [
        OutlineEntry("Installation", 1, 1),
        OutlineEntry("Mounting the bracket", 2, 1),
        OutlineEntry("Wiring", 2, 2),
    ]

    headings = find_headings(pages, "pdf", outline)

    assert headings == [
        Heading(1, 0, ("Installation",)),
        Heading(1, pages[1].text.index("Mounting"), ("Installation", "Mounting the bracket")),
        # "wiring" inside the first sentence is passed over for the line that starts with it.
        Heading(2, pages[2].text.index("Wiring"), ("Installation", "Wiring")),
    ]


def test_without_an_outline_numbered_headings_are_found_in_order():
    pages = [
        Page(1, "3 Installation\nUnpack the unit.\n3.1 Mounting\n1 Hold the bracket\n2 Drill the holes"),
        Page(2, "3.2 Wiring\nConnect the mains last.\n4 Operation\nPress OK."),
    ]

    headings = find_headings(pages, "pdf")

    assert [heading.path for heading in headings] == [
        ("3 Installation",),
        ("3 Installation", "3.1 Mounting"),
        ("3 Installation", "3.2 Wiring"),
        ("4 Operation",),
    ]


def test_markdown_sections_are_headed_by_their_first_line():
    pages = [Page(1, "# Setup\nRun the installer."), Page(2, "## Upgrading ##\nStop the service first.")]

    assert [heading.path for heading in find_headings(pages, "markdown")] == [("Setup",), ("Upgrading",)]


def test_contents_and_index_pages_are_found_by_their_look():
    contents = "CONTENTS gnuplot 5.4 5\n" + "\n".join(f"Topic {n} . . . . . . . . {n + 10}" for n in range(12))
    index = "\n".join(f"term{n}, {n + 3}, {n + 40}" for n in range(14))
    table = "Parameter reference\n" + "\n".join(f"P-{n} Flow limit {n * 5}" for n in range(14))

    pages = [Page(1, contents), Page(2, "Just prose. It ends with 12"), Page(3, index), Page(4, table)]

    assert navigation_pages(pages) == {0, 2}


def test_a_top_level_index_bookmark_marks_its_pages_but_a_deep_one_does_not():
    pages = [Page(n, "Some prose here.") for n in range(1, 7)]
    outline = [
        OutlineEntry("Plotting", 1, 0),
        OutlineEntry("Index", 4, 1),  # a topic: the "index" keyword of a plot command
        OutlineEntry("Styles", 1, 2),
        OutlineEntry("Index", 1, 4),
    ]

    assert navigation_pages(pages, outline) == {4, 5}
