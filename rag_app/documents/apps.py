from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "rag_app.documents"
    label = "documents"
    verbose_name = "Manuals"
