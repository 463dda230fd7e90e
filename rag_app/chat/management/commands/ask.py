"""Ask a question from the command line, through the same path as the chat page."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from answering.llm import LLMUnavailable
from ingestion.store import StoreUnavailable
from rag_app.chat import services
from rag_app.chat.llm_process import llm_server_running
from rag_app.chat.models import Answer
from rag_app.chat.summary import answer_summary
from rag_app.documents.chroma_process import chroma_server_running
from rag_app.documents.models import Collection


class Command(BaseCommand):
    help = "Answer a question from a collection's manuals and print the answer, citations and timings."

    def add_arguments(self, parser):
        parser.add_argument("question")
        parser.add_argument("--collection", required=True, action="append", help="Collection name; repeatable.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")
        parser.add_argument("--user", default="", help="Record the answer as this user (default: first superuser).")

    def handle(self, *args, question, collection, as_json: bool, user, **options):
        collections = list(Collection.objects.filter(name__in=collection))
        unknown = set(collection) - {c.name for c in collections}
        if unknown:
            raise CommandError(f"No such collection: {', '.join(sorted(unknown))}")
        asker = _user(user)
        try:
            answer = services.start_answer(asker, question, [c.pk for c in collections])
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        try:
            # Without the app running, this command starts its own Chroma and LLM servers.
            with chroma_server_running(), llm_server_running():
                for event in services.stream_answer(answer):
                    if event["type"] == "token" and not as_json:
                        self.stdout.write(event["text"], ending="")
                        self.stdout.flush()
        except (LLMUnavailable, StoreUnavailable) as error:
            services.fail_answer(answer, str(error))
        answer.refresh_from_db()
        summary = answer_summary(answer)
        if as_json:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self._print(summary)
        if answer.status == Answer.Status.FAILED:
            raise CommandError(f"The answer failed: {answer.error}")

    def _print(self, summary: dict) -> None:
        self.stdout.write("\n\n" + summary["answer"] + "\n")
        for citation in summary["citations"]:
            how = "matched" if citation["attached"] else "cited"
            self.stdout.write(
                f"  [{citation['n']}] {citation['document']} p.{citation['page_start']}-{citation['page_end']} "
                f"score {citation['score']:.2f} ({how})"
            )
        timings = summary["timings"]
        self.stdout.write(
            f"retrieval {timings['retrieval_ms']} ms · first token {timings['ttft_ms']} ms · "
            f"total {timings['total_ms']} ms · {timings['tokens_per_s']} tokens/s"
        )


def _user(username: str):
    users = get_user_model().objects
    if username:
        return users.get(username=username)
    first = users.filter(is_superuser=True).order_by("pk").first()
    if first is None:
        raise CommandError("No user to record the answer as: create an admin first, or pass --user.")
    return first
