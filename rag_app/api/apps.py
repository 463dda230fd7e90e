from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rag_app.api"
    label = "api"
    verbose_name = "API"
