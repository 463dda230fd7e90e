from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rag_app.core.views import health, home

urlpatterns = [
    path("", home, name="rag-home"),
    path("health", health, name="rag-health"),
    path("chat/", include("rag_app.chat.urls")),
    path("audit/", include("rag_app.audit.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("documents/", include("rag_app.documents.urls")),
    path("evaluations/", include("rag_app.evaluations.urls")),
    path("tuning/", include("rag_app.tuning.urls")),
    path("admin/", admin.site.urls),
    path("", include("rag_app.api.urls")),
]
