"""Headers that keep what the app serves from running anything it did not write itself."""

# Scripts and styles come only from the app's static files: no inline code, no other origin.
# Frames are allowed only for the app's own pages (a manual opened beside an answer).
SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

# Uploaded files are the users' content, not the app's: nothing in them may run, submit or load.
# "sandbox" without allow-scripts gives the response an opaque origin with scripts disabled.
UPLOADED_TEXT_POLICY = "sandbox; default-src 'none'; frame-ancestors 'self'"
# Chromium will not start its PDF viewer in a sandboxed document, and the viewer's own page
# needs inline styles and an embedded frame. A PDF's scripts run inside the viewer, never in
# the app's origin; what matters is that only bytes that really are a PDF get this type.
UPLOADED_PDF_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; object-src 'self'; frame-src 'self'; "
    "child-src 'self'; img-src 'self' data:; frame-ancestors 'self'"
)


class ContentSecurityPolicyMiddleware:
    """Send SITE_POLICY with every response that has not set a policy of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", SITE_POLICY)
        return response
