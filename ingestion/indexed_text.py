"""The text that is embedded and keyword-indexed for a chunk: where it is from, then what it says.

A passage rarely names its manual or its section ("Use a comma here" under "set datafile
separator" in the gnuplot manual), so questions that name them missed it. The passage shown
to people and to the model stays as the manual wrote it.
"""

from ingestion.types import SECTION_SEPARATOR

# About 40 of the embedding model's tokens: with 200-token chunks, the whole stays under its
# 256-token input limit, so nothing of the chunk is cut off.
_MAX_CONTEXT_CHARS = 160


def indexed_text(title: str, section: str, text: str) -> str:
    """Return the chunk's text headed by the document title and its section path."""
    context = SECTION_SEPARATOR.join(part for part in (title.strip(), section.strip()) if part)
    if len(context) > _MAX_CONTEXT_CHARS:
        # Keep the title and the innermost headings: they say most about the chunk.
        parts = context.split(SECTION_SEPARATOR)
        while len(parts) > 2 and len(SECTION_SEPARATOR.join(parts)) > _MAX_CONTEXT_CHARS:
            del parts[1]
        context = SECTION_SEPARATOR.join(parts)[:_MAX_CONTEXT_CHARS]
    return f"{context}\n{text}" if context else text
