"""/api/v1/docs/: Swagger UI from the app's own static files, nothing inline, under the CSP."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders


def test_the_docs_page_loads_swagger_ui_from_our_static_files_and_no_inline_script(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-dist/swagger-ui-bundle.js") for s in sources), sources
    assert all(s.startswith("/") for s in sources), "no script from another origin"
    # Every <script> element has a src: the CSP (script-src 'self') would block inline code.
    assert len(re.findall(r"<script\b", html)) == len(sources)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_every_asset_the_docs_page_names_is_served(client):
    html = client.get("/api/v1/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"?]+)', html)

    assert assets, html
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_start_up_script_points_at_the_schema(client):
    html = client.get("/api/v1/docs/").content.decode()
    script = next(s for s in re.findall(r'<script[^>]*src="([^"]+)"', html) if "script" in s)

    response = client.get(script.replace("&amp;", "&"))

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "/api/v1/schema/" in response.content.decode()
