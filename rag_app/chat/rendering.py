"""Turn stored answers into safe HTML: citation markers become links, support gets highlighted."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from answering.grounding import BACKTICKED

_MARKER = re.compile(r"\s?\[(\d+)\]")


def answer_html(text: str, answer_id: int, sources: dict[int, "object"]) -> SafeString:
    """Escape the answer, show its backticked spans as code and link each [n] to its source.

    Markers that point to no source are dropped. ``sources`` maps n to the AnswerSource rows
    that were cited; an attached citation (found by similarity after generation) is labelled as
    such. Brackets inside a code span are code (`A[2]`), as ``answering.citations`` reads them.
    """

    def link(match: re.Match) -> str:
        number = int(match.group(1))
        source = sources.get(number)
        if source is None:
            return ""
        label = "Matched to this source after generation" if source.attached else "Cited by the model"
        css = "cite attached" if source.attached else "cite"
        return format_html(
            ' <a class="{}" href="#source-{}-{}" title="{}">[{}]</a>', css, answer_id, number, label, number
        )

    pieces, position = [], 0
    for span in BACKTICKED.finditer(text):
        pieces.append(_MARKER.sub(link, str(escape(text[position : span.start()]))))
        pieces.append(format_html("<code>{}</code>", span.group(1)))
        position = span.end()
    pieces.append(_MARKER.sub(link, str(escape(text[position:]))))
    # Safe: every piece was escaped above, and the links and code come from format_html.
    return mark_safe("".join(pieces).replace("\n", "<br>"))


def highlighted_passage(text: str, support: str) -> SafeString:
    """Escape a passage and mark the sentence that supports the answer, when it is found."""
    if support and support in text:
        before, after = text.split(support, 1)
        return format_html("{}<mark>{}</mark>{}", before, support, after)
    return escape(text)
