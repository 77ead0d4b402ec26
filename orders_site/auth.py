"""A user's roles and permissions in one query per request (the shared
kernel: it imports no app).

Django's ``ModelBackend`` reads a user's own permissions and their groups'
permissions in two queries, and the role checks (``orders.roles``) read the
group names in a third; every API request and page pays all three.
``RoleBackend`` reads the three in one ``UNION ALL`` and keeps them on the
user object for the rest of the request, exactly as ``ModelBackend`` keeps
its own caches there (a new request loads a fresh user, so a changed role
counts from the next request on).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value
from django.db.models.functions import Concat


def _perm_name():
    return Concat("content_type__app_label", Value("."), "codename", output_field=CharField())


def _load(user) -> None:
    groups = Group.objects.filter(user=user).annotate(
        kind=Value("g", output_field=CharField()), label=Value("", output_field=CharField())
    )
    own = Permission.objects.filter(user=user).annotate(
        kind=Value("u", output_field=CharField()), label=_perm_name()
    )
    via_groups = Permission.objects.filter(group__user=user).annotate(
        kind=Value("p", output_field=CharField()), label=_perm_name()
    )
    # No ORDER BY in the parts of a compound statement (SQLite refuses them).
    rows = (
        groups.order_by()
        .values_list("kind", "name")
        .union(
            own.order_by().values_list("kind", "label"),
            via_groups.order_by().values_list("kind", "label"),
            all=True,
        )
    )
    found: dict[str, set[str]] = {"g": set(), "u": set(), "p": set()}
    for kind, name in rows:
        found[kind].add(name)
    user._role_cache = found["g"]
    user._user_perm_cache = found["u"]
    user._group_perm_cache = found["p"]


def user_roles(user) -> set[str]:
    """The names of the user's groups (its roles), read once per request."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_cache"):
        _load(user)
    return user._role_cache


class RoleBackend(ModelBackend):
    """``ModelBackend`` with the roles and permissions read together."""

    def _cached(self, user_obj, obj, attr: str) -> set[str] | None:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return None  # every permission: ModelBackend's own query
        if not hasattr(user_obj, attr):
            _load(user_obj)
        return getattr(user_obj, attr)

    def get_user_permissions(self, user_obj, obj=None):
        found = self._cached(user_obj, obj, "_user_perm_cache")
        return found if found is not None else super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        found = self._cached(user_obj, obj, "_group_perm_cache")
        return found if found is not None else super().get_group_permissions(user_obj, obj)
