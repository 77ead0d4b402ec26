from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """The role's model permissions, reads included (DRF's default lets any
    authenticated user read). Transitions are checked by the services."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        # A method the view does not offer answers 405, not 403.
        if request.method.upper() not in view.allowed_methods:
            return True
        return super().has_permission(request, view)

    def _queryset(self, view):
        # Only the model is read from it: the class attribute names it without
        # running the view's get_queryset (for orders, a per-user query).
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset
        return super()._queryset(view)


class ViewPermission(ModelPermissions):
    """Only the model's view permission, whatever the method."""

    perms_map = {m: ["%(app_label)s.view_%(model_name)s"] for m in ModelPermissions.perms_map}


class ActionPermissions(ModelPermissions):
    """``ModelPermissions``, except that an action named in the view's
    ``action_permissions`` needs exactly the permissions listed there: a POST
    that changes a record (``/receive/``) or adds to another model
    (``/entries/``) is not the model's ``add`` permission."""

    def has_permission(self, request, view):
        perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if perms is None:
            return super().has_permission(request, view)
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(perms))
