from django.urls import path

from rag_app.evaluations import views

urlpatterns = [
    path("", views.evaluations_page, name="rag-eval"),
    path("start/", views.start_evaluation, name="rag-eval-start"),
    path("runs/<int:pk>/", views.run_page, name="rag-eval-run"),
    path("collections/<int:pk>/history/", views.history_page, name="rag-eval-history"),
    path("sets/<int:pk>/guard/", views.make_guard, name="rag-eval-guard"),
    path("collections/<int:pk>/compare/", views.compare_page, name="rag-eval-compare"),
    path("sets/<int:pk>/compare/", views.start_comparison, name="rag-eval-compare-start"),
]
