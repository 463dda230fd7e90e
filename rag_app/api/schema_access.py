"""Who may read the OpenAPI schema: a signed-in user or a valid API key, like everything else."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse

from rag_app.api.keys import user_for_key


def key_or_login(view):
    @login_not_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or user_for_key(token.strip()) is None:
                return JsonResponse({"detail": "Sign in, or send an API key as Authorization: Bearer …"}, status=401)
        return view(request, *args, **kwargs)

    return guarded
