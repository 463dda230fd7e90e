from django.apps import AppConfig


class TuningConfig(AppConfig):
    name = "rag_app.tuning"
    label = "tuning"
    verbose_name = "Prompt styles and LoRA adapters"
