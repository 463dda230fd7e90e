from django.urls import path

from rag_app.chat import views

urlpatterns = [
    path("", views.chat_page, name="rag-chat"),
    path("c/<int:pk>/", views.chat_page, name="rag-chat-conversation"),
    path("ask/", views.ask, name="rag-chat-ask"),
    path("answers/<int:pk>/", views.answer_fragment, name="rag-chat-answer"),
    path("answers/<int:pk>/feedback/", views.feedback, name="rag-chat-feedback"),
]
