"""orders_site.auth.RoleBackend: a user's roles and permissions in one
query per request, the same answers as Django's ModelBackend."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import roles
from orders_site.auth import user_roles

pytestmark = pytest.mark.django_db

User = get_user_model()


def _fresh(user):
    # A new request loads a new user object.
    return User.objects.get(pk=user.pk)


@pytest.fixture
def clerk():
    user = User.objects.create_user("clerk")
    user.groups.add(Group.objects.get(name=roles.SALES))
    user.user_permissions.add(Permission.objects.get(codename="review_order"))
    return _fresh(user)


def test_roles_and_permissions_cost_one_query_and_answer_as_django_does(clerk):
    with CaptureQueriesContext(connection) as queries:
        answers = [
            clerk.has_perm("orders.add_order"),  # the Sales role's
            clerk.has_perm("orders.review_order"),  # the user's own
            clerk.has_perm("orders.archive_order"),  # neither
            clerk.has_perm("warehouse.view_qualitycheck"),
            roles.is_integration_client(clerk),
            sorted(user_roles(clerk)),
        ]
    assert answers == [True, True, False, False, False, [roles.SALES]]
    assert len(queries) == 1
    django = ModelBackend()
    reference = _fresh(clerk)
    assert clerk.get_all_permissions() == django.get_all_permissions(reference)
    assert clerk.get_group_permissions() == django.get_group_permissions(reference)


def test_a_role_given_counts_from_the_next_request(clerk):
    assert not roles.is_integration_client(clerk)
    clerk.groups.set([Group.objects.get(name=roles.INTEGRATION)])
    assert roles.is_integration_client(_fresh(clerk))
    assert _fresh(clerk).has_perm("orders.review_order") is not False  # own permission kept


def test_superusers_have_every_permission_and_inactive_users_none(clerk):
    root = User.objects.create_superuser("root2", password="x")
    assert root.has_perm("orders.archive_order") and root.has_perm("warehouse.view_qualitycheck")
    assert not roles.is_integration_client(root)
    clerk.is_active = False
    clerk.save()
    idle = _fresh(clerk)
    assert not idle.has_perm("orders.add_order")
    assert idle.get_all_permissions() == set()
