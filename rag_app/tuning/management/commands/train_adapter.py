"""Train a LoRA adapter from a collection in this process, printing its progress, and attach it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rag_app.documents.models import Collection
from rag_app.tuning import services, training
from rag_app.tuning.models import TrainingJob


class Command(BaseCommand):
    help = "Train a LoRA adapter on the served base model from a collection's approved answers and pages."

    def add_arguments(self, parser):
        parser.add_argument("--collection", required=True)
        parser.add_argument("--name", required=True, help="The adapter's name.")
        parser.add_argument("--steps", type=int, default=min(30, settings.TRAINING_MAX_STEPS))
        parser.add_argument("--pairs", type=int, default=min(64, settings.TRAINING_MAX_PAIRS))

    def handle(self, *args, collection: str, name: str, steps: int, pairs: int, **options):
        target = Collection.objects.filter(name=collection).first()
        if target is None:
            raise CommandError(f"No such collection: {collection}")
        try:
            # Queued for nobody: this process claims and runs it, so no worker is needed.
            job = training.create_job(target, name, steps=steps, pairs=pairs)
        except services.TuningError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Training {name} from {target.name}: at most {steps} steps on {pairs} pairs.")
        job = training.run_training(job.pk, on_stage=lambda stage, done: self.stdout.write(f"  {done:4.0%} {stage}"))
        if job.status != TrainingJob.Status.DONE:
            raise CommandError(f"Training failed: {job.error}")
        report = job.report
        self.stdout.write(
            self.style.SUCCESS(
                f"Adapter {name} attached to {target.name}: "
                f"{report['pairs']} pairs ({report['approved_pairs']} approved), "
                f"{report['steps']} steps, loss {report['first_loss']:.2f} -> {report['last_loss']:.2f}, "
                f"{report['minutes']} min, peak {report['peak_rss_mb']} MB."
            )
        )
