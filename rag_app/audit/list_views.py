"""Audit list, exports and document usage (auditors and admins)."""

urlpatterns = []
