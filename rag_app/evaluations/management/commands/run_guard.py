"""Queue a run of a collection's guard set, e.g. after retrieval settings changed."""

from django.core.management.base import BaseCommand, CommandError

from rag_app.documents.models import Collection
from rag_app.evaluations.models import EvaluationRun
from rag_app.evaluations.services import schedule_guard


class Command(BaseCommand):
    help = "Queue a retrieval-only run of a collection's regression guard set for the worker."

    def add_arguments(self, parser):
        parser.add_argument("--collection", required=True, help="Name of the collection to guard.")

    def handle(self, *args, collection: str, **options):
        target = Collection.objects.filter(name=collection).first()
        if target is None:
            raise CommandError(f"No such collection: {collection}")
        run = schedule_guard(target, trigger=EvaluationRun.Trigger.SETTINGS)
        if run is None:
            raise CommandError(f"The collection {collection} has no guard set: mark one on the Evaluations page.")
        self.stdout.write(
            f"Guard run {run.pk} queued; see {run.get_absolute_url()}. "
            "A worker runs it: start the app with `python manage.py runapp` if it is not running."
        )
