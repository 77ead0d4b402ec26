"""Shared admin pieces."""


class ReadOnlyAdminMixin:
    """For ledgers and records the services write (stock movements,
    shipments, packages, documents): the admin shows them and never changes
    them, so the books and the audit trail stay as the services left them."""

    def has_add_permission(self, request, obj=None):  # inlines pass the parent
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
