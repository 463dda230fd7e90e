from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rag_app.audit"
    label = "audit"
    verbose_name = "Audit"
