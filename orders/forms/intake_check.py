"""The intake form as it stands, checked live for the review's findings
(``IntakeCheck``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..models import Customer, Order
from ..regions import PROVINCES
from ..services import LineInput
from .intake import CustomerRefField, OrderForm, OrderLineForm
from .labels import field_label


class _CheckOrderForm(forms.Form):
    order = forms.CharField(required=False, max_length=20)
    customer = CustomerRefField(label=_("Find customer"), required=False)
    requested_delivery_date = forms.DateField(
        label=field_label(Order, "requested_delivery_date"), required=False
    )

    def __init__(self, *args, customers: QuerySet, orders: QuerySet[Order], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.orders = orders

    def clean_order(self) -> Order | None:
        number = self.cleaned_data["order"].strip()
        if not number:
            return None
        order = self.orders.filter(number=number).first()
        if order is None:
            raise ValidationError(_("No order has this number."), code="not_found")
        return order


class _CheckCustomerForm(forms.Form):
    """What of a new customer the review looks at: the address (transit
    days) and, from who may set it, the credit limit."""

    province = forms.ChoiceField(
        label=field_label(Customer, "province"), required=False, choices=[("", ""), *PROVINCES]
    )
    city = forms.CharField(label=field_label(Customer, "city"), required=False, max_length=50)
    credit_limit = forms.DecimalField(
        label=field_label(Customer, "credit_limit"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "credit_limit" not in services.customer_fields_for(user):
            del self.fields["credit_limit"]


class IntakeCheck:
    """The intake form as it stands, for the live review check: sales sees
    the findings the manager's review will make (process 2.1) while still on
    the phone (process 1.2). What is filled in is checked, what is still
    empty waits (a line without a product, a date not chosen yet); what is
    malformed is an error naming its field. It only reads: the arguments of
    ``selectors.findings_compute`` come out, nothing is saved.

    It takes the intake form's own field names, so the page posts itself;
    ``order`` (a number) checks an edit against that order (its warehouse,
    its prices, its credit exposure left out). In errors ``lines[i].field``
    is the form's row ``i`` (``lines-i-field``)."""

    _LINE = re.compile(r"lines-(\d{1,4})-product")
    MAX_LINES = 500

    def __init__(self, data, *, user):
        self.data = data
        self.user = user
        self.can_set_price = user.has_perm("orders.set_line_price")
        self.order_form = _CheckOrderForm(
            data,
            customers=selectors.customers_visible_to(user=user),
            orders=selectors.orders_visible_to(user=user),
        )
        self.new_customer = (
            user.has_perm("orders.add_customer") and data.get("customer_mode") == OrderForm.NEW
        )
        self.customer_form = _CheckCustomerForm(data, prefix="customer", user=user)
        rows = sorted({int(m[1]) for key in data if (m := self._LINE.fullmatch(key))})
        self.too_many = len(rows) > self.MAX_LINES
        delete = forms.CheckboxInput()
        self.line_forms = {
            i: OrderLineForm(data, prefix=f"lines-{i}", can_set_price=self.can_set_price)
            for i in ([] if self.too_many else rows)
            if (data.get(f"lines-{i}-product") or "").strip()
            and not delete.value_from_datadict(data, {}, f"lines-{i}-DELETE")
        }
        self.errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        self.errors = {}
        for name, messages in self.order_form.errors.items():
            self.errors[name] = list(messages)
        if self.new_customer:
            for name, messages in self.customer_form.errors.items():
                self.errors[f"customer-{name}"] = list(messages)
        if self.too_many:
            self.errors["lines"] = [_("An order has at most %(n)s lines.") % {"n": self.MAX_LINES}]
        for i, form in self.line_forms.items():
            for name, messages in form.errors.items():
                self.errors[f"lines[{i}].{name}"] = list(messages)
        return not self.errors

    def findings_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``selectors.findings_compute``."""
        data = self.order_form.cleaned_data
        order: Order | None = data.get("order")
        kept = {}
        if order is not None and not self.can_set_price:
            # As order_update: a line without a price keeps the one its
            # product has on the order.
            kept = {ln.product_id: ln.unit_price for ln in order.lines.all()}
        lines = []
        for form in self.line_forms.values():
            product, price = form.cleaned_data["product"], form.cleaned_data.get("unit_price")
            if price is None:
                price = kept.get(product.pk)
            lines.append(
                LineInput(product=product, quantity=form.cleaned_data["quantity"], unit_price=price)
            )
        kwargs: dict[str, Any] = {
            "lines": lines,
            "warehouse_id": order.warehouse_id if order else None,
            "requested_delivery_date": data.get("requested_delivery_date"),
            "exclude_order_id": order.pk if order else None,
            "shortages": (
                order.shortages.select_related("line__product").order_by("pk") if order else ()
            ),
        }
        if self.new_customer:
            new = self.customer_form.cleaned_data
            kwargs.update(
                province=new.get("province", ""),
                city=new.get("city", ""),
                credit_limit=new.get("credit_limit"),
            )
        elif customer := data.get("customer"):
            kwargs.update(
                province=customer.province,
                city=customer.city,
                credit_limit=customer.credit_limit,
                customer_id=customer.pk,
            )
        return kwargs
