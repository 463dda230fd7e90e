from django.urls import path

from rag_app.tuning import views

urlpatterns = [
    path("", views.tuning_index, name="rag-tuning-index"),
    path("collections/<int:pk>/", views.tuning_page, name="rag-tuning"),
    path("collections/<int:pk>/prompt/", views.prompt_style, name="rag-tuning-prompt"),
    path("collections/<int:pk>/adapters/", views.upload_adapter, name="rag-tuning-upload"),
    path("collections/<int:pk>/training/", views.start_training, name="rag-tuning-train"),
    path("adapters/<int:pk>/", views.adapter_action, name="rag-tuning-adapter"),
]
