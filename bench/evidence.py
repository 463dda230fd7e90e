"""Prompt tokens against the key facts they carry: the evidence budget's curve, without generating answers.

For each question of a set, the chat path retrieves as it does for a reader (the model's search
terms included), then ``answering.evidence`` cuts the passages to each budget, and the prompt the
model would read is built and counted. Per budget it prints the prompt tokens (p50, p95), the
share of the questions' key strings that the prompt holds, and the selection's time (p50);
budget 0 is the whole passages, today's prompt before selection. Only aggregates are printed, so
it may run on the held-out set. The collection must hold the set's manuals (``manage.py ingest``).
Run, with the app's environment (DATA_DIR and friends):

    python bench/evidence.py evaluation/heldout_questions.jsonl --collection "Held-out" [--budgets 0,250,450]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--budgets", default="0,250,350,450,600,800")
    args = parser.parse_args()
    import django

    django.setup()
    from rag_app.chat.llm_process import llm_server_running
    from rag_app.documents.chroma_process import chroma_server_running

    budgets = [int(budget) for budget in args.budgets.split(",")]
    with chroma_server_running(), llm_server_running():
        rows = measure(args.questions, args.collection, budgets)
    print(json.dumps(rows, indent=2))
    return 0


def measure(path: Path, collection_name: str, budgets: list[int]) -> dict[int, dict]:
    """Return, per budget, prompt tokens p50/p95, the share of key strings in the prompt and selection ms p50."""
    from django.conf import settings

    from answering.evidence import select_evidence
    from answering.metrics import facts_given, percentile
    from answering.prompt import build_messages
    from ingestion import embed
    from rag_app.chat import llm_settings
    from rag_app.chat.evaluation import load_questions
    from rag_app.chat.retrieval import retrieve, search_terms_for
    from rag_app.documents import pipeline_settings
    from rag_app.documents.models import Collection

    collection = Collection.objects.get(name=collection_name)
    model = llm_settings.chat_model()
    config = pipeline_settings.embed_config()
    tokens = {budget: [] for budget in budgets}
    held = dict.fromkeys(budgets, 0)
    selection_ms = {budget: [] for budget in budgets}
    wanted = 0
    for question in load_questions(path):
        if not question["answerable"]:
            continue
        wanted += len(question["must_contain"])
        found = retrieve(
            question["question"],
            [collection],
            settings.RETRIEVAL_CONTEXT_TOKENS,
            model.count_tokens,
            expand=lambda query: search_terms_for(query, model),
        )
        if not found.passages:
            continue
        for budget in budgets:
            started = time.perf_counter()
            given = select_evidence(
                question["question"],
                found.passages,
                lambda texts: embed.embed_texts(texts, config),
                model.count_tokens,
                budget,
                search_terms=found.search_terms,
            )
            selection_ms[budget].append((time.perf_counter() - started) * 1000)
            messages = build_messages(question["question"], given)
            tokens[budget].append(sum(model.count_tokens(message["content"]) for message in messages))
            text = "\n".join(passage.text for passage in given)
            held[budget] += len(facts_given(text, question["must_contain"]))
    return {
        budget: {
            "prompt_tokens_p50": percentile(tokens[budget], 50),
            "prompt_tokens_p95": percentile(tokens[budget], 95),
            "facts_in_prompt": round(held[budget] / wanted, 4) if wanted else None,
            "selection_ms_p50": round(statistics.median(selection_ms[budget]), 1) if selection_ms[budget] else None,
        }
        for budget in budgets
    }


if __name__ == "__main__":
    sys.exit(main())
