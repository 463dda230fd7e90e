from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rag_app.core"
    label = "core"
    verbose_name = "Manualist"
