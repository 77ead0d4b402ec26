"""The order list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from orders_site.forms import DATE_WIDGET, PersonChoiceField

from .. import roles
from ..models import Customer, Order, OrderStatus
from .labels import field_label


class OrderFilterForm(forms.Form):
    """The list's filters; the cleaned data is ``selectors.order_list``'s
    ``filters`` argument as it stands."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Order number, customer, company or phone")}
        ),
    )
    status = forms.ChoiceField(
        label=field_label(Order, "status"),
        required=False,
        choices=[("", _("All statuses")), *OrderStatus.choices],
    )
    # A customer's orders are reached by a link (?customer=<id>) or by the
    # search above (name, company, phone); a drop-down of every customer
    # would list thousands of names on every page view.
    customer = forms.ModelChoiceField(
        label=field_label(Order, "customer"),
        required=False,
        queryset=Customer.objects.all(),
        widget=forms.HiddenInput,
    )
    salesperson = PersonChoiceField(
        label=field_label(Order, "salesperson"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("All salespeople"),
    )
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Created until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # People who sell, and anyone who already has orders to their name:
        # EXISTS on the salesperson index, not a DISTINCT over every order.
        User = get_user_model()
        self.fields["salesperson"].queryset = User.objects.filter(
            Exists(
                User.groups.through.objects.filter(
                    user=OuterRef("pk"), group__name__in=[roles.SALES, roles.SALES_MANAGER]
                )
            )
            | Exists(Order.objects.filter(salesperson=OuterRef("pk")))
        ).order_by("username")

    @property
    def selected_customer(self) -> Customer | None:
        """The customer the list is narrowed to, if any (shown by name)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("customer")
        return None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
