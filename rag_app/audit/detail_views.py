"""Audit detail, marks, replay and the content-gap report (auditors and admins)."""

urlpatterns = []
