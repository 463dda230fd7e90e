"""Find what the manuals fail to cover: unanswered and thumbed-down questions, grouped by meaning."""

from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from ingestion import embed
from rag_app.chat.models import Answer
from rag_app.documents import pipeline_settings

# Cosine similarity with the bundled all-MiniLM-L6-v2, measured on questions about a pump:
# 15 of 17 paraphrase pairs score 0.71 to 0.97 ("What is the weight of the pump?" / "How much
# does the pump weigh?" 0.95, "Does the pump work with salt water?" / "Can I use the pump for
# seawater?" 0.72); the other two score 0.57 and 0.63. Questions on different subjects score
# 0.65 at most ("Does the pump work with salt water?" / "Can I use the pump in a swimming
# pool?"), most under 0.55. At 0.7 a gap is at worst split in two, which an auditor still
# sees, rather than merged with an unrelated one, which hides it.
GAP_THRESHOLD = 0.7


@dataclass(frozen=True)
class GapQuestion:
    question: str
    answer_id: int
    no_answer: bool


@dataclass(frozen=True)
class Gap:
    """Questions that ask the same thing and went unanswered or were marked unhelpful."""

    representative: str
    questions: list[GapQuestion]

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def no_answers(self) -> int:
        return sum(question.no_answer for question in self.questions)

    @property
    def thumbs_down(self) -> int:
        """Count answered questions a user marked unhelpful; a no-answer counts as such only."""
        return self.count - self.no_answers


def content_gaps(queryset=None, threshold: float = GAP_THRESHOLD) -> list[Gap]:
    """Return groups of similar no-answer and thumbed-down questions, the largest first.

    ``queryset`` narrows the answers considered (a period, a collection). Audit replays are
    left out: they repeat a question rather than ask it again.
    """
    answers = list(
        (Answer.objects.all() if queryset is None else queryset)
        .filter(Q(no_answer=True) | Q(feedback__helpful=False), replay_of__isnull=True)
        .distinct()
        .order_by("created_at")
    )
    if not answers:
        return []
    config = pipeline_settings.embed_config()
    # The standalone query carries the subject a follow-up such as "and the warranty?" leaves out.
    vectors = np.asarray(embed.embed_texts([answer.retrieval_query or answer.question for answer in answers], config))
    groups = _cluster(vectors, threshold)
    gaps = [_gap([answers[i] for i in members], vectors[members]) for members in groups]
    return sorted(gaps, key=lambda gap: gap.count, reverse=True)


def _cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Put each vector in the group whose first member it is closest to, or start a new group."""
    leaders: list[int] = []
    groups: list[list[int]] = []
    for index, vector in enumerate(vectors):
        scores = vectors[leaders] @ vector
        if leaders and scores.max() >= threshold:
            groups[int(scores.argmax())].append(index)
        else:
            leaders.append(index)
            groups.append([index])
    return groups


def _gap(answers: list[Answer], vectors: np.ndarray) -> Gap:
    """Name the group by its most central question: the one closest to all the others."""
    central = int(np.argmax((vectors @ vectors.T).sum(axis=1)))
    return Gap(
        representative=answers[central].question,
        questions=[GapQuestion(answer.question, answer.pk, answer.no_answer) for answer in answers],
    )
