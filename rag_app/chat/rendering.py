"""Turn stored answers into safe HTML: citation markers become links, support gets highlighted."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

_MARKER = re.compile(r"\s?\[(\d+)\]")


def answer_html(text: str, answer_id: int, sources: dict[int, "object"]) -> SafeString:
    """Escape the answer and link each [n] to its source; drop markers that point to no source.

    ``sources`` maps n to the AnswerSource rows that were cited; an attached citation (found
    by similarity after generation) is labelled as such.
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

    escaped = str(escape(text))
    # Safe: the text was escaped above and the links come from format_html.
    return mark_safe(_MARKER.sub(link, escaped).replace("\n", "<br>"))


def highlighted_passage(text: str, support: str) -> SafeString:
    """Escape a passage and mark the sentence that supports the answer, when it is found."""
    if support and support in text:
        before, after = text.split(support, 1)
        return format_html("{}<mark>{}</mark>{}", before, support, after)
    return escape(text)
