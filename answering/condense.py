"""Turn a follow-up question into a standalone query for retrieval.

"And on the second node?" means nothing to a vector search on its own. The bundled model
is too small to rewrite questions reliably, so the rule is plain and predictable: a
question that leans on the conversation (short, or starting with a connective, or
pointing back with a pronoun) is searched together with the question before it. Only that
one question is joined, so the query does not grow turn after turn.
"""

import re

_CONNECTIVE = re.compile(r"^(and|but|also|what about|how about|then|so|or|same|ok|okay)\b", re.IGNORECASE)
_BACK_REFERENCE = re.compile(r"\b(it|its|it's|this|that|these|those|they|them|there|one|ones|same)\b", re.IGNORECASE)
_SHORT_QUESTION_WORDS = 5


def is_follow_up(question: str) -> bool:
    """Return True when the question needs earlier turns to be understood."""
    words = re.findall(r"\w+", question)
    return (
        len(words) <= _SHORT_QUESTION_WORDS
        or bool(_CONNECTIVE.match(question.strip()))
        or bool(_BACK_REFERENCE.search(question))
    )


def standalone_query(previous_questions: list[str], question: str) -> str:
    """Return the query to search for: the question, joined to the one before when it follows up."""
    question = " ".join(question.split())
    if previous_questions and is_follow_up(question):
        return f"{' '.join(previous_questions[-1].split())} {question}"
    return question
