"""Customers (process 1.2): every write, and who may set a customer's money rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders_site.actors import is_system

from ..exceptions import CustomerForbidden, OrderInvalid
from ..models import Customer, CustomerEvent
from ..selectors import customer_changeable_by
from ..validators import normalise_phone

CUSTOMER_FIELDS = [
    "name",
    "company",
    "contact_person",
    "phone",
    "email",
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "preferred_language",
    "credit_limit",
    "payment_terms",
]


def _customer_clean(customer: Customer) -> Customer:
    customer.phone = normalise_phone(customer.phone)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise OrderInvalid(
            _("The customer details are not valid."), fields=exc.message_dict
        ) from exc
    return customer


#: A manager's decision (permission ``orders.set_customer_terms``): the
#: money rules of a customer. Everyone who may add or change customers may set
#: the other fields; an API client only on customers it may change
#: (``selectors.customer_changeable_by``).
CUSTOMER_TERMS_FIELDS = ["credit_limit", "payment_terms"]


def customer_fields_for(user) -> list[str]:
    """The customer fields ``user`` may set: the form, the admin and the API
    offer these (the service checks again)."""
    if is_system(user) or user.has_perm("orders.set_customer_terms"):
        return list(CUSTOMER_FIELDS)
    return [f for f in CUSTOMER_FIELDS if f not in CUSTOMER_TERMS_FIELDS]


def _customer_value(value: Any) -> Any:
    """A field's value as the timeline stores it (JSON)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _customer_terms_check(user, changed: Iterable[str]) -> None:
    refused = [f for f in changed if f in CUSTOMER_TERMS_FIELDS]
    if refused and not (is_system(user) or user.has_perm("orders.set_customer_terms")):
        message = _("Only a sales manager may set a customer's credit limit and payment terms.")
        raise CustomerForbidden(message, fields={f: [message] for f in refused})


def _customer_fields_check(fields: dict[str, Any]) -> None:
    unknown = [name for name in fields if name not in CUSTOMER_FIELDS]
    if unknown:
        raise OrderInvalid(
            _("Unknown field %(f)s.") % {"f": ", ".join(unknown)},
            fields={name: [_("Unknown field.")] for name in unknown},
        )


@transaction.atomic
def customer_create(*, user, **fields: Any) -> Customer:
    """A new customer; the phone must be a mainland mobile or landline. Terms
    other than the defaults (prepaid, no credit limit set) need a manager."""
    if not (is_system(user) or user.has_perm("orders.add_customer")):
        raise CustomerForbidden(_("Your role may not add customers."))
    _customer_fields_check(fields)
    defaults = Customer()
    _customer_terms_check(user, [f for f in fields if fields[f] != getattr(defaults, f)])
    customer = _customer_clean(Customer(**fields, created_by=None if is_system(user) else user))
    customer.save()
    customer.refresh_from_db()  # the values as stored (2000 -> 2000.00)
    CustomerEvent.objects.create(
        customer=customer,
        kind=CustomerEvent.Kind.CREATED,
        actor=None if is_system(user) else user,
        changes=[
            {"field": name, "from": None, "to": _customer_value(getattr(customer, name))}
            for name in CUSTOMER_FIELDS
            if getattr(customer, name) not in (None, "")
        ],
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, user, **fields: Any) -> Customer:
    """Change a customer's fields; the timeline records who changed which,
    from what, to what. Fields sent with their current value are no change
    (so a form that sends every field needs no more permission than its
    changes do)."""
    _customer_fields_check(fields)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if not (is_system(user) or customer_changeable_by(user=user, customer=locked)):
        raise CustomerForbidden(
            _("Your role may not change this customer: it is used by orders of others.")
            if user.has_perm("orders.change_customer")
            else _("Your role may not change customers.")
        )
    before = {name: getattr(locked, name) for name in CUSTOMER_FIELDS}
    for name, value in fields.items():
        setattr(locked, name, value)
    _customer_clean(locked)
    changed = [name for name in CUSTOMER_FIELDS if getattr(locked, name) != before[name]]
    _customer_terms_check(user, changed)
    if changed:
        locked.save()
        locked.refresh_from_db()  # the values as stored (2000 -> 2000.00)
        CustomerEvent.objects.create(
            customer=locked,
            kind=CustomerEvent.Kind.CHANGED,
            actor=None if is_system(user) else user,
            changes=[
                {
                    "field": name,
                    "from": _customer_value(before[name]),
                    "to": _customer_value(getattr(locked, name)),
                }
                for name in changed
            ],
        )
    return locked
