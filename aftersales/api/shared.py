"""What the after-sales API's resources share: the errors a step or a
create documents, the base viewset (ids in the path, the role's
permissions, an archived order's 409 before any input is read) and the
filters of more than one list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import OpenApiResponse
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS

from integrations.api_docs import ERRORS, IDEMPOTENT_CREATE_ERRORS, ErrorSerializer
from integrations.permissions import ActionPermissions
from orders.transitions import refuse_archived

AFTERSALES_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "`invalid_state` (the record is not in a state that allows this: a case already "
        "closed, a follow-up already recorded, a return already received) or `archived` "
        "(the order is archived and read-only)."
    ),
)
STEP_ERRORS = {**ERRORS, 409: AFTERSALES_CONFLICT}
CREATE_ERRORS = {
    **IDEMPOTENT_CREATE_ERRORS,
    409: OpenApiResponse(
        ErrorSerializer, description=_("`archived`: the order is archived and read-only.")
    ),
}


def username(user) -> str | None:
    return user.get_username() if user is not None else None


class OwnerFilter(filters.CharFilter):
    """``me`` or a user id."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", r"^(me|[1-9][0-9]{0,8})$")
        kwargs.setdefault("error_messages", {"invalid": _("Use me or a user id.")})
        kwargs.setdefault("label", _("me, or a user id"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if value == "me":
            return qs.filter(owner=self.parent.request.user)
        return qs.filter(owner_id=int(value))


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (or ``1``/``0``); anything else is an error, not
    a filter quietly left out."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None and value not in EMPTY_VALUES:
            raise forms.ValidationError(_("Use true or false."), code="invalid")
        return result


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget reads anything unknown as "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class AfterSalesViewSet(viewsets.GenericViewSet):
    """What the three resources share: ids in the path, the role's
    permissions (``action_permissions`` for the steps), and an archived
    order refusing every write before the input is read."""

    permission_classes = [ActionPermissions]
    lookup_value_regex = r"[0-9]+"
    action_permissions: dict[str, tuple[str, ...]] = {}

    def visible(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, with no user
            return self.queryset
        return self.visible()

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in SAFE_METHODS:
            # Documentation 5: 409 archived to every write, before the input
            # is validated; the service checks again with the row locked.
            refuse_archived(obj.order)
        return obj
