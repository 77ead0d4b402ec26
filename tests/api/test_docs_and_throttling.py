"""The schema and the interactive docs are served by the app itself (no CDN),
and each client is throttled on its own."""

import re

import pytest
from django.core.cache import cache
from rest_framework.throttling import UserRateThrottle

pytestmark = pytest.mark.django_db


def test_schema_is_public_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for name in ["submit", "request-adjustment", "approve", "ship", "confirm-delivery", "archive"]:
        assert f"/api/v1/orders/{{number}}/{name}/" in paths
    create = paths["/api/v1/orders/"]["post"]
    assert {"400", "401", "403", "409", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_load_their_assets_from_the_app(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts
    for url in scripts:
        assert client.get(url).status_code == 200, url


def test_each_client_is_throttled(api_for, manager, sales, monkeypatch):
    # given a limit of 3 requests a minute per client
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    cache.clear()
    busy, other = api_for(manager), api_for(sales)
    # when one client sends a fourth request, then it is told to slow down
    statuses = [busy.get("/api/v1/orders/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = busy.get("/api/v1/orders/")
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled
    # and another client is not affected
    assert other.get("/api/v1/orders/").status_code == 200
    cache.clear()
