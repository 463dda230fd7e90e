from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "rag_app.evaluations"
    label = "evaluations"
    verbose_name = "Evaluations"
