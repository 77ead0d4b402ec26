import pytest
from rest_framework.test import APIClient

from integrations.services import api_token_issue
from tests.factories import CustomerFactory, UserFactory


def client_for(user) -> APIClient:
    """An API client authenticated the way machine clients are: a token."""
    _token, key = api_token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_for():
    return client_for


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def customer(integration):
    """The online store's customer: entered by the Integration client, so
    that client may see it, order for it and change it (an API client sees
    only the customers it entered and those its orders name). Staff see it
    as they see every customer."""
    return CustomerFactory(created_by=integration)
