"""API tokens: printed once by the command, stored hashed, revocable."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from integrations.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def test_issue_api_token_prints_only_the_token(integration):
    out = io.StringIO()
    call_command("issue_api_token", "--user", "integration", stdout=out)
    key = out.getvalue().strip()
    assert "\n" not in key and " " not in key and len(key) >= 40
    token = ApiToken.objects.get(user=integration)
    # stored hashed: the key itself is nowhere in the row
    assert token.key_hash == hash_token(key)
    assert key not in {token.key_hash, token.prefix, token.name}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/orders/").status_code == 200


def test_unknown_user_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named"):
        call_command("issue_api_token", "--user", "ghost")


def test_revoked_and_bad_tokens_answer_401(api_for, integration, admin_client):
    client = api_for(integration)
    assert client.get("/api/v1/orders/").status_code == 200
    token = ApiToken.objects.get(user=integration)
    # when an admin revokes it with the admin action
    response = admin_client.post(
        "/admin/integrations/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    # then it no longer works, in the one error shape
    refused = client.get("/api/v1/orders/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"] == "Token"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/orders/").status_code == 401


def test_admin_shows_a_new_token_once(admin_client, integration):
    response = admin_client.post(
        "/admin/integrations/apitoken/add/", {"user": integration.pk, "name": "ERP"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    shown = [m for m in messages if "copy it now" in m]
    assert len(shown) == 1
    key = shown[0].split(": ", 1)[1].split(" ")[0]
    token = ApiToken.objects.get(name="ERP")
    assert token.key_hash == hash_token(key)
