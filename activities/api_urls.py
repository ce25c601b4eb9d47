"""API routes of the activities app, mounted under /api/v1/orgs/<org_slug>/."""

org_urlpatterns: list = []
