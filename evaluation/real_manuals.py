"""Rebuild the real product manuals that ``real_questions.jsonl`` and ``heldout_questions.jsonl`` ask about.

The generated sample manual is invented, so it tests retrieval but not messy real-world layout. These
manuals are real, public PDFs of real software, taken from Debian documentation packages so that CI
can install them with apt instead of downloading files from the web. Each manual is pinned by the
sha256 of its (decompressed) PDF: gold pages are physical page numbers, so a different edition of a
manual would silently make them wrong.

Two sets: the dev set (``real_questions.jsonl`` on gnuplot, DRBD and Gutenprint), which the
answer step is tuned on, and the held-out set (``heldout_questions.jsonl`` on the MIT Kerberos
administration guide, R's installation and administration manual and the Bash reference manual),
written once and only ever read in aggregate, so that its numbers say how the answers do on
manuals nobody tuned for.

Usage::

    python -m evaluation.real_manuals DEST_DIR [--set heldout]  # copy a set's PDFs into DEST_DIR
    python -m evaluation.real_manuals --packages               # the Debian packages of both sets
"""

import argparse
import gzip
import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REAL_QUESTIONS = Path(__file__).with_name("real_questions.jsonl")
HELDOUT_QUESTIONS = Path(__file__).with_name("heldout_questions.jsonl")


@dataclass(frozen=True)
class RealManual:
    """One manual: where a Debian package installs it and what its PDF must hash to."""

    name: str  # File name written by write_real_manuals; questions refer to it in their ``pdf`` field.
    package: str  # Debian package that ships the manual.
    version: str  # Package version the questions were checked against (Debian 12 "bookworm").
    path: str  # Absolute path the package installs; a ``.gz`` suffix means it is gzipped.
    sha256: str  # Hash of the decompressed PDF.
    pages: int  # Physical page count, as pypdf counts pages.

    @property
    def source(self) -> Path:
        return Path(self.path)


MANUALS = [
    RealManual(
        name="gnuplot.pdf",
        package="gnuplot-doc",
        version="5.4.4+dfsg1-2",
        path="/usr/share/doc/gnuplot/gnuplot.pdf",
        sha256="df68dd0613f043141512fc4436d17aaf96727d5a758d85233915ac5056a97206",
        pages=311,
    ),
    RealManual(
        name="drbd-users-guide.pdf",
        package="drbd-doc",
        version="8.4~20220106-1",
        path="/usr/share/doc/drbd-doc/drbd-users-guide.pdf.gz",
        sha256="bbb090851c039096aa285c09bf7a1a70949dc378bdbcd281fbc1719b3b20cfd0",
        pages=148,
    ),
    RealManual(
        name="gutenprint-users-manual.pdf",
        package="gutenprint-doc",
        version="5.3.4.20220624T01008808d602-1",
        path="/usr/share/doc/gutenprint-doc/gutenprint-users-manual.pdf",
        sha256="e9f4a85ecce576c1dcbb9236e710d0e1256c0f5642bb06ad91251b15410194d8",
        pages=73,
    ),
]

HELDOUT_MANUALS = [
    RealManual(
        name="krb5-admin.pdf",
        package="krb5-doc",
        version="1.20.1-2+deb12u5",
        path="/usr/share/doc/krb5-doc/admin.pdf.gz",
        sha256="f03e604664bfd95ca43195be423829f90bf2761ce7bebe2edbd3cf9700960d4e",
        pages=177,
    ),
    RealManual(
        name="R-admin.pdf",
        package="r-doc-pdf",
        version="4.2.2.20221110-2",
        path="/usr/share/R/doc/manual/R-admin.pdf",
        sha256="50e256b5f873bbee4c8482df3754fa8654f02ef693409fe5e30b2f114e3efe9f",
        pages=85,
    ),
    RealManual(
        name="bashref.pdf",
        package="bash-doc",
        version="5.2.15-2",
        path="/usr/share/doc/bash/bashref.pdf",
        sha256="104971d389c0b9b7a261b0b3070a53b0d8cce6db1ffddefcc8423ddda92acd87",
        pages=196,
    ),
]


def manual_set(name: str) -> tuple[list[RealManual], Path]:
    """Return the manuals and the question file of the set called "dev" or "heldout"."""
    return (MANUALS, REAL_QUESTIONS) if name == "dev" else (HELDOUT_MANUALS, HELDOUT_QUESTIONS)


class ManualsMissing(RuntimeError):
    """A package that ships a manual is not installed; the message gives the apt-get command."""


class ManualChanged(RuntimeError):
    """An installed manual is not the edition the questions were checked against."""


def install_command(manuals: list[RealManual] | None = None) -> str:
    manuals = MANUALS if manuals is None else manuals
    return "apt-get install --no-install-recommends " + " ".join(manual.package for manual in manuals)


def missing_manuals(manuals: list[RealManual] | None = None) -> list[RealManual]:
    """Return the manuals (the dev set's by default) whose package has not installed the PDF."""
    return [manual for manual in (MANUALS if manuals is None else manuals) if not manual.source.is_file()]


def read_manual(manual: RealManual) -> bytes:
    """Return the manual's PDF bytes, decompressed, after checking they are the pinned edition."""
    data = manual.source.read_bytes()
    if manual.path.endswith(".gz"):
        data = gzip.decompress(data)
    digest = hashlib.sha256(data).hexdigest()
    if digest != manual.sha256:
        installed = _installed_version(manual.package)
        raise ManualChanged(
            f"{manual.path} from {manual.package} {installed or '(version unknown)'} has sha256 {digest}, "
            f"not {manual.sha256}. The questions were checked against {manual.package} {manual.version}; "
            "install that version, or re-check every gold page against the new PDF before updating the hash."
        )
    return data


def write_real_manuals(dest: Path, manuals: list[RealManual] | None = None) -> list[Path]:
    """Copy every manual (the dev set's by default) into ``dest`` under its ``name``; return the paths.

    Raise ManualsMissing, naming the apt-get command, when a package is not installed, and
    ManualChanged when an installed PDF differs from the pinned one.
    """
    manuals = MANUALS if manuals is None else manuals
    missing = missing_manuals(manuals)
    if missing:
        names = ", ".join(manual.path for manual in missing)
        raise ManualsMissing(f"Not installed: {names}. Install with: {install_command(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for manual in manuals:
        target = dest / manual.name
        target.write_bytes(read_manual(manual))
        written.append(target)
    return written


def _installed_version(package: str) -> str | None:
    """Ask dpkg which version of ``package`` is installed, for a clearer hash-mismatch message."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return result.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", nargs="?", type=Path, help="folder to write the PDFs into")
    parser.add_argument("--set", choices=("dev", "heldout"), default="dev", help="which set's manuals to copy")
    parser.add_argument("--packages", action="store_true", help="print both sets' Debian packages and exit")
    args = parser.parse_args(argv)
    if args.packages:
        print(" ".join(manual.package for manual in [*MANUALS, *HELDOUT_MANUALS]))
        return 0
    if args.dest is None:
        parser.error("give DEST_DIR or --packages")
    try:
        paths = write_real_manuals(args.dest, manual_set(args.set)[0])
    except (ManualsMissing, ManualChanged) as error:
        print(error, file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
