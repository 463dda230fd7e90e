"""The exact reply the prompts ask for when the sources do not hold the answer.

Callers test for it (see ``grounding.is_decline``) instead of guessing from free text. It
is not a word that starts with "NO": small models wrote the earlier ``NO_ANSWER`` to mean
"no" to yes-or-no questions, refusing questions the excerpts answered.
"""

NO_ANSWER_SENTINEL = "UNANSWERABLE"
# The sentinel before it, still in admins' saved examples and in adapters trained with it.
LEGACY_SENTINEL = "NO_ANSWER"
