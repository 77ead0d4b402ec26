"""The roles of the process as Django groups, and the permissions each holds.

This is the one permission rule set: the ``@transition`` permissions on
``Order`` name these codenames, and the UI, the admin and the API all check
them through the services.
"""

from orders_site.auth import user_roles

SALES = "Sales"
SALES_MANAGER = "Sales Manager"
WAREHOUSE = "Warehouse"
LOGISTICS = "Logistics"
AFTER_SALES = "After-sales"
INTEGRATION = "Integration"

_SALES = [
    "orders.set_line_price",
    "orders.view_order",
    "orders.add_order",
    "orders.change_order",
    "orders.submit_order",
    "orders.cancel_order",
    "orders.view_customer",
    "orders.add_customer",
    "orders.change_customer",
    "orders.view_customercontact",
    "orders.add_customercontact",
    "inventory.view_product",
    "inventory.view_stockitem",
    "aftersales.view_followup",
    "aftersales.change_followup",
    "aftersales.view_case",
    "aftersales.add_case",
    "aftersales.view_caseentry",
    "aftersales.add_caseentry",
    "aftersales.view_return",
    "aftersales.view_returnline",
    "aftersales.view_survey",
]

_CASES = [
    "aftersales.view_case",
    "aftersales.add_case",
    "aftersales.change_case",
    "aftersales.handle_case",
    "aftersales.view_caseentry",
    "aftersales.add_caseentry",
    "aftersales.view_return",
    "aftersales.add_return",
    "aftersales.change_return",
    "aftersales.view_returnline",
    "aftersales.view_followup",
    "aftersales.change_followup",
    "aftersales.view_survey",
]

#: Every member of staff takes part in improvement (process 4.1, 6.1, 6.2).
_IMPROVEMENT = [
    "feedback.view_suggestion",
    "feedback.add_suggestion",
    "feedback.add_suggestioncomment",
    "feedback.add_suggestionvote",
    "feedback.add_stagefeedback",
    "feedback.view_meeting",
    "feedback.view_actionitem",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES: [*_SALES, *_IMPROVEMENT],
    SALES_MANAGER: [
        *_IMPROVEMENT,
        "feedback.view_orderfact",
        "feedback.view_stagetarget",
        "feedback.change_stagetarget",
        "feedback.view_stagefeedback",
        "feedback.decide_suggestion",
        "feedback.view_pointaward",
        "feedback.add_meeting",
        "feedback.change_meeting",
        "feedback.add_actionitem",
        "feedback.change_actionitem",
        *_SALES,
        # Credit limit and payment terms (issue 11): only managers.
        "orders.set_customer_terms",
        "orders.view_customerevent",
        # After approval stock is reserved and the warehouse may be at work.
        "orders.cancel_approved_order",
        "orders.review_order",
        "orders.complete_order",
        "orders.archive_order",
        "orders.view_orderevent",
        "orders.view_orderline",
        "inventory.change_product",
        "inventory.add_product",
        "inventory.change_stockitem",
        "inventory.view_stockmovement",
        "inventory.add_stockmovement",
        "inventory.view_warehouse",
        "shipping.view_carrier",
        "shipping.view_carrierrule",
        "shipping.change_carrierrule",
        "shipping.add_carrierrule",
        "shipping.view_shipment",
        "shipping.view_package",
        "shipping.view_shippingdocument",
        "warehouse.view_pickshortage",
        "warehouse.view_qualitycheck",
        *_CASES,
        "orders.review_archive",
        "orders.view_archiverecord",
        "orders.view_archivereview",
        "notifications.view_outboxmessage",
        "notifications.change_outboxmessage",
        "notifications.view_webhooksubscription",
        "notifications.add_webhooksubscription",
        "notifications.change_webhooksubscription",
        "notifications.delete_webhooksubscription",
    ],
    WAREHOUSE: [
        *_IMPROVEMENT,
        "orders.view_order",
        "shipping.view_shippingdocument",
        "orders.pick_order",
        "orders.qc_order",
        "orders.pack_order",
        "inventory.view_product",
        "inventory.view_stockitem",
        # Returned goods are received and inspected in the warehouse.
        "aftersales.view_return",
        "aftersales.change_return",
        "aftersales.view_returnline",
        "aftersales.view_case",
    ],
    LOGISTICS: [
        *_IMPROVEMENT,
        "orders.view_order",
        "orders.view_customer",
        "orders.ship_order",
        "orders.deliver_order",
        "shipping.view_carrier",
        "shipping.add_carrier",
        "shipping.change_carrier",
        "shipping.view_carrierservice",
        "shipping.add_carrierservice",
        "shipping.change_carrierservice",
        "shipping.view_carrierrule",
        "shipping.add_carrierrule",
        "shipping.change_carrierrule",
        "shipping.view_shipment",
        "shipping.view_package",
        "shipping.view_shippingdocument",
    ],
    AFTER_SALES: [
        *_IMPROVEMENT,
        "orders.view_order",
        "orders.view_customer",
        "orders.view_customercontact",
        "orders.add_customercontact",
        "orders.complete_order",
        *_CASES,
        # The archive search (documentation 5.3): past orders and their
        # after-sales history, for the cases of returning customers.
        "orders.view_archiverecord",
    ],
    INTEGRATION: [
        "orders.view_order",
        "orders.add_order",
        "orders.change_order",
        "orders.submit_order",
        "orders.cancel_order",
        "orders.view_customer",
        "orders.add_customer",
        "orders.change_customer",
        "inventory.view_product",
        "inventory.view_stockitem",
        # The online store passes on its customers' complaints and returns.
        "aftersales.view_case",
        "aftersales.add_case",
        "aftersales.view_caseentry",
        "aftersales.add_caseentry",
        "aftersales.view_return",
        "aftersales.view_returnline",
        "notifications.view_webhooksubscription",
        "notifications.add_webhooksubscription",
        "notifications.change_webhooksubscription",
        "notifications.delete_webhooksubscription",
    ],
}


def is_integration_client(user) -> bool:
    """A machine client: in the Integration role and no staff role besides."""
    if user.is_superuser:
        return False
    return user_roles(user) == {INTEGRATION}


def sync_roles(apps=None) -> None:
    """Create or update every role group with exactly its permissions."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            # An early migration runs before later permissions exist; the
            # migration that adds them calls this again.
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def sync_roles_migration(apps, schema_editor) -> None:
    """``RunPython`` entry for the migrations that (re)apply the roles."""
    sync_roles(apps)
