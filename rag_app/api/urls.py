"""Mount the API (``/api/…``, ``/v1/…``, the OpenAPI schema) and the API keys page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI

from rag_app.api import native, openai_compat, views
from rag_app.api.auth import ApiKeyAuth
from rag_app.api.schema_access import key_or_login

api = NinjaAPI(
    title="Manualist API",
    version="1",
    description=(
        "Ask the manuals and manage them from scripts. Authenticate with an API key as "
        "`Authorization: Bearer mnl_…`; the key acts as its user, with that user's role and collections."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="rag-api",
    openapi_url="/api/openapi.json",
    docs_url=None,
    docs_decorator=key_or_login,
)
api.add_router("/api/", native.router, tags=["manuals"])
api.add_router("/v1/", openai_compat.router, tags=["OpenAI-compatible"])


def _key_authenticated(patterns: list) -> list:
    """Exempt the API's views from the sign-in redirect: they authenticate by key and answer 401 themselves."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _key_authenticated(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


api_patterns, api_app, api_namespace = api.urls
urlpatterns = [
    path("account/api-keys/", views.keys_page, name="rag-api-keys"),
    path("account/api-keys/<int:pk>/revoke/", views.revoke_key, name="rag-api-key-revoke"),
    path("", (_key_authenticated(api_patterns), api_app, api_namespace)),
]
