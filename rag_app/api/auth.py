"""API requests authenticate with a key in the Authorization header, as the OpenAI clients send it."""

from ninja.security import HttpBearer

from rag_app.api.keys import user_for_key


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer mnl_…``: the request acts as the key's user, with that user's roles."""

    openapi_description = "An API key from the API keys page or `manage.py apikey create`."

    def authenticate(self, request, token: str):
        user = user_for_key(token)
        if user is not None:
            request.user = user
        return user
