"""A user's roles and permissions in one query per request (the shared
kernel: it imports no app).

Django's ``ModelBackend`` reads a user's own permissions and their groups'
permissions in two queries, and the role checks (``orders.roles``) read the
group names in a third; every API request and page pays all three.
``RoleBackend`` reads the three in one ``UNION ALL`` (a fixed statement:
composing it with the ORM cost more Python than the query costs the
database) and keeps them on the user object for the rest of the request,
exactly as ``ModelBackend`` keeps its own caches there (a new request loads
a fresh user, so a changed role counts from the next request on).
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@functools.cache
def _roles_sql() -> str:
    """One statement for the user's group names, own permissions and
    group permissions. Written out once rather than built by the ORM on
    every request: building three joined querysets and their union cost
    more Python than the query costs the database."""
    User = get_user_model()
    q = connection.ops.quote_name
    groups = q(Group._meta.db_table)
    user_groups = q(User.groups.through._meta.db_table)
    perms = q(Permission._meta.db_table)
    user_perms = q(User.user_permissions.through._meta.db_table)
    group_perms = q(Group.permissions.through._meta.db_table)
    types = q(ContentType._meta.db_table)
    name = f"ct.{q('app_label')} || '.' || p.{q('codename')}"
    return (
        f"SELECT 'g', g.{q('name')} FROM {groups} g "
        f"JOIN {user_groups} ug ON ug.{q('group_id')} = g.{q('id')} WHERE ug.{q('user_id')} = %s "
        f"UNION ALL SELECT 'u', {name} FROM {perms} p "
        f"JOIN {types} ct ON ct.{q('id')} = p.{q('content_type_id')} "
        f"JOIN {user_perms} up ON up.{q('permission_id')} = p.{q('id')} "
        f"WHERE up.{q('user_id')} = %s "
        f"UNION ALL SELECT 'p', {name} FROM {perms} p "
        f"JOIN {types} ct ON ct.{q('id')} = p.{q('content_type_id')} "
        f"JOIN {group_perms} gp ON gp.{q('permission_id')} = p.{q('id')} "
        f"JOIN {user_groups} ug ON ug.{q('group_id')} = gp.{q('group_id')} "
        f"WHERE ug.{q('user_id')} = %s"
    )


def _load(user) -> None:
    found: dict[str, set[str]] = {"g": set(), "u": set(), "p": set()}
    with connection.cursor() as cursor:
        cursor.execute(_roles_sql(), [user.pk, user.pk, user.pk])
        for kind, name in cursor.fetchall():
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
