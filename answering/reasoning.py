"""Separate a chain-of-thought answer's reasoning from the final answer, while it streams.

The chain-of-thought prompt asks for ``Reasoning: …`` and then ``Answer: …``. Readers see
only what follows the answer label; the reasoning is kept for the audit record. A model
that never writes the label has given no separate reasoning: its whole text is the answer.
"""

import re

# "Answer:" at the start of a line, possibly in bold or as a heading ("**Answer:**", "### Final answer:").
_ANSWER_LABEL = re.compile(r"(?im)^[ \t#*_>]*(?:final[ \t]+)?answer[ \t*_]*:[ \t*_]*")
_REASONING_LABEL = re.compile(r"(?i)^[\s#*_>]*reasoning[\s*_]*:[\s*_]*")


class ReasoningSplitter:
    """Feed streamed pieces in; get back only the answer's text, as soon as it is certain.

    ``reasoning`` and ``answer`` hold the two parts once ``finish`` has been called.
    """

    def __init__(self):
        self._text = ""
        self._answer_from: int | None = None
        self._label_start = 0
        self._shown = 0
        self.reasoning = ""
        self.answer = ""

    def feed(self, piece: str) -> str:
        """Add a piece of the model's output; return the part of the answer it makes visible."""
        self._text += piece
        if self._answer_from is None:
            self._answer_from = self._find_answer_start()
            if self._answer_from is None:
                return ""
            self._shown = self._answer_from
        visible = self._text[self._shown :]
        self._shown = len(self._text)
        return visible

    def finish(self) -> str:
        """Close the stream; return what of the answer is still unshown (all of it when unlabelled).

        Calling it again returns "" and leaves the parts as they are.
        """
        if self._answer_from is None:
            self.reasoning, self.answer = "", self._text.strip()
        else:
            self.reasoning = _REASONING_LABEL.sub("", self._text[: self._label_start]).strip()
            self.answer = self._text[self._answer_from :].strip()
        rest = self._text[self._shown :]
        self._shown = len(self._text)
        return rest

    def _find_answer_start(self) -> int | None:
        """Return where the answer's text begins once its label has fully arrived, else None."""
        for match in _ANSWER_LABEL.finditer(self._text):
            # Bold markers or spaces after the label may still be arriving: wait for real text.
            if match.end() == len(self._text):
                return None
            self._label_start = match.start()
            return match.end()
        return None
