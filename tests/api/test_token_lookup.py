"""integrations.selectors.api_token_active: the fixed statement gives the
same token and user, with the same values, as the ORM does."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.models import ApiToken
from integrations.selectors import api_token_active
from integrations.services import api_token_issue, api_token_revoke, api_token_used

pytestmark = pytest.mark.django_db


def _values(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_lookup_matches_the_orm_and_refuses_a_revoked_token(integration):
    token, key = api_token_issue(user=integration, name="shop")
    api_token_used(token=token)
    found = api_token_active(key=key)
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert _values(found) == _values(expected)
    assert _values(found.user) == _values(get_user_model().objects.get(pk=integration.pk))
    assert timezone.is_aware(found.last_used_at) and found.user.is_active is True
    assert found._state.adding is False and found._state.db == "default"
    assert api_token_active(key=key + "x") is None
    api_token_revoke(token=token)
    assert api_token_active(key=key) is None
