from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "rag_app.chat"
    label = "chat"
    verbose_name = "Chat"
