"""Sample data for measuring answer quality: a generated manual and questions about it.

Each line of ``sample_questions.jsonl`` is one question: ``id``; ``question``, worded as support
staff ask it; ``pdf``, the manual's file name; ``gold_pages``, the 1-based pages that state the
answer; ``answerable``; ``must_contain``, short lowercase strings a right answer includes;
``answer``, a reference answer; ``style``, "keyword" when the question names an exact code,
parameter or protocol term from the manual and "paraphrase" otherwise; and ``evidence``, phrases
quoted from the gold pages that tests use to prove each gold page right.
"""

from pathlib import Path

SAMPLE_QUESTIONS = Path(__file__).with_name("sample_questions.jsonl")
