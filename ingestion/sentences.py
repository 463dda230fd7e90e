"""Shared rule for telling a full stop that ends a sentence from one that ends an abbreviation."""

import re

# Words after which a full stop rarely ends a sentence in a manual ("see Fig. 3").
_ABBREVIATIONS = frozenset(
    {"approx", "cf", "dr", "fig", "figs", "incl", "mr", "mrs", "ms", "no", "nos", "p", "pp", "ref", "sec", "vol", "vs"}
)
# Dotted abbreviations ("e.g.", "i.e.", "U.S.") and initials ("J. Smith").
_DOTTED = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")


def stop_ends_sentence(text: str, start: int, stop: int, next_opens_sentence: bool) -> bool:
    """Tell whether the punctuation at ``stop`` ends a sentence begun at ``start``.

    The caller decides whether the text after the gap can open a sentence (a capital, a
    digit, an opening quote); this rule only rules out abbreviations and initials.
    """
    if not next_opens_sentence:
        return False
    if text[stop] != ".":
        return True
    before = text[start:stop].rsplit(maxsplit=1)
    word = before[-1] if before else ""
    return not (word.lower() in _ABBREVIATIONS or _DOTTED.fullmatch(word))
