"""The API keys page: each user creates, sees and revokes their own keys."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from rag_app.api import keys
from rag_app.api.models import ApiKey

# A new key waits here for the one page view that shows it, so a reload cannot create another.
_NEW_KEY = "api_new_key"


@require_http_methods(["GET", "POST"])
def keys_page(request):
    """List the user's keys; a POST creates one, then the next view shows it this once."""
    error = None
    if request.method == "POST":
        try:
            row, key = keys.create_key(request.user, request.POST.get("name", ""))
        except ValueError as problem:
            error = str(problem)
        else:
            request.session[_NEW_KEY] = {"name": row.name, "key": key}
            return redirect("rag-api-keys")
    new_key = request.session.pop(_NEW_KEY, None)
    response = render(
        request, "api/keys.html", {"keys": request.user.api_keys.all(), "new_key": new_key, "error": error}
    )
    # The page with a new key must not be kept by any cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke_key(request, pk: int):
    keys.revoke_key(get_object_or_404(ApiKey, pk=pk, user=request.user))
    return redirect("rag-api-keys")
