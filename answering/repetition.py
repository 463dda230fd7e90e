"""Notice when a model is looping on the same words, so generation can stop early.

Small models sometimes repeat one line or phrase until ``max_tokens``. A repeat penalty
makes that rarer; this catches what gets through, by finding text that ends in the same
span written several times in a row.
"""

import math

# A span must repeat back to back this often, and cover this many characters in all,
# before it counts as a loop: a list that names one option twice is not a loop.
MIN_COPIES = 3
MIN_LOOP_CHARS = 60
MAX_PERIOD_CHARS = 400


def loop_start(text: str) -> int | None:
    """Return where the repeated copies begin (keeping the first copy), or None when ``text`` is not looping.

    ``text[:loop_start(text)]`` is the text with the loop cut down to one copy.
    """
    longest = min(MAX_PERIOD_CHARS, len(text) // MIN_COPIES)
    for period in range(1, longest + 1):
        copies = max(MIN_COPIES, math.ceil(MIN_LOOP_CHARS / period))
        if period * copies > len(text):
            continue
        unit = text[-period:]
        if not unit.strip():
            continue
        if text.endswith(unit * copies):
            start = len(text) - period * copies
            # Walk back over further whole copies, so only the first one stays.
            while start >= period and text[start - period : start] == unit:
                start -= period
            return start + period
    return None
