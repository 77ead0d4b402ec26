"""Intake (process 1): the order, a new customer and the lines, validated
together (``IntakeForms``), and the fields they are made of."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from inventory.models import Product
from orders_site.errors import DomainError
from orders_site.forms import DATE_WIDGET, add_domain_error

from .. import selectors, services
from ..models import Customer, Order, OrderLine
from ..services import LineInput
from ..validators import LANDLINE_RE, MOBILE_RE, normalise_phone
from .labels import field_label


class CustomerRefField(forms.Field):
    """An existing customer, named by its number or its phone.

    The intake page's script turns the input into a search (name, company or
    phone; ``views.customer_search``) that fills in the number of the
    customer picked; without the script the same input takes the number or
    the phone as typed. So the page never lists every customer."""

    widget = forms.TextInput(
        attrs={
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": _("Type a name, company or phone"),
            "data-customer-input": "",
        }
    )
    default_error_messages = {
        "invalid": _("Pick a customer from the search, or enter a customer number or phone."),
        "not_found": _("No customer has this number or phone."),
        "ambiguous": _(
            "Several customers have this phone (%(choices)s): enter the customer number."
        ),
    }

    def __init__(self, *, queryset: QuerySet | None = None, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("Pick from the list as you type; without it, enter the customer number or phone."),
        )
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Customer.objects.all()

    def prepare_value(self, value):
        return value.pk if isinstance(value, Customer) else value

    def to_python(self, value) -> Customer | None:
        if isinstance(value, Customer):
            return value
        text = normalise_phone(str(value or "")).strip()
        if not text:
            return None
        if MOBILE_RE.match(text) or LANDLINE_RE.match(text):
            # A mobile may be stored with or without +86 / 86.
            core = text[-11:]
            variants = {core, f"+86{core}", f"86{core}"} if MOBILE_RE.match(text) else {text}
            matches = list(self.queryset.filter(phone__in=variants).order_by("pk")[:6])
            if len(matches) == 1:
                return matches[0]
            if matches:
                choices = ", ".join(f"{c.pk} {c}" for c in matches[:5])
                raise ValidationError(
                    self.error_messages["ambiguous"], code="ambiguous", params={"choices": choices}
                )
            raise ValidationError(self.error_messages["not_found"], code="not_found")
        if text.isascii() and text.isdigit() and len(text) <= 9:
            customer = self.queryset.filter(pk=int(text)).first()
            if customer is None:
                raise ValidationError(self.error_messages["not_found"], code="not_found")
            return customer
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def has_changed(self, initial, data) -> bool:
        return str(self.prepare_value(initial) or "") != str(data or "").strip()


class OrderForm(forms.Form):
    """The order's own fields, and whether its customer exists or is new."""

    EXISTING, NEW = "existing", "new"

    customer_mode = forms.ChoiceField(
        label=field_label(Order, "customer"),
        choices=[(EXISTING, _("Existing customer")), (NEW, _("New customer"))],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    customer = CustomerRefField(label=_("Find customer"), required=False)
    channel = forms.ChoiceField(
        label=field_label(Order, "channel"),
        choices=Order.Channel.choices,
        initial=Order.Channel.PHONE,
    )
    requested_delivery_date = forms.DateField(
        label=field_label(Order, "requested_delivery_date"), widget=DATE_WIDGET
    )
    payment_method = forms.ChoiceField(
        label=field_label(Order, "payment_method"),
        choices=[("", "---------"), *Order.PaymentMethod.choices],
    )
    notes = forms.CharField(
        label=field_label(Order, "notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, can_add_customer: bool = True, customers: QuerySet | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if not can_add_customer:
            self.fields["customer_mode"].choices = [(self.EXISTING, _("Existing customer"))]
        if customers is not None:
            self.fields["customer"].queryset = customers
        if auto_id := self["customer"].auto_id:
            self.fields["customer"].widget.attrs["aria-describedby"] = (
                f"{auto_id}-chosen {auto_id}-help"
            )

    def chosen_customer(self) -> Customer | None:
        """The customer the field names now, to show beside it: the order's
        on the edit page, the one typed or picked when the form comes back."""
        if not self.is_bound:
            initial = self.get_initial_for_field(self.fields["customer"], "customer")
            return initial if isinstance(initial, Customer) else None
        if hasattr(self, "cleaned_data"):
            return self.cleaned_data.get("customer")
        try:
            return self.fields["customer"].clean(self["customer"].data)
        except ValidationError:
            return None

    @property
    def wants_new_customer(self) -> bool:
        return self.is_bound and self.data.get(self.add_prefix("customer_mode")) == self.NEW

    def clean(self):
        data = super().clean()
        if data.get("customer_mode") == self.EXISTING and not data.get("customer"):
            self.add_error("customer", _("Choose a customer, or enter a new one."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``order_create`` / ``order_update``."""
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "requested_delivery_date": data["requested_delivery_date"],
            "payment_method": data["payment_method"],
            "notes": data["notes"],
        }


class CustomerForm(forms.ModelForm):
    """A new customer entered during intake (process 1.2). Only validated here;
    ``services.customer_create`` creates it."""

    class Meta:
        model = Customer
        fields = services.CUSTOMER_FIELDS
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "placeholder": "13812345678"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "200001"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Credit limit and payment terms only for who may set them.
        allowed = services.customer_fields_for(user)
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]

    def save(self, commit=True):  # pragma: no cover - a guard, never called
        raise NotImplementedError("Create customers with services.customer_create.")


class ProductField(forms.ModelChoiceField):
    """A product addressed by its SKU, typed or filled in by the product search."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Product.objects.filter(is_active=True),
            to_field_name="sku",
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "placeholder": _("Search by SKU or name"),
                    "data-product-input": "",
                }
            ),
            error_messages={"invalid_choice": _("No product on sale has this SKU.")},
            **kwargs,
        )


class OrderLineForm(forms.Form):
    product = ProductField(label=_("Product"))
    quantity = forms.IntegerField(
        label=field_label(OrderLine, "quantity"),
        min_value=1,
        max_value=1_000_000,
        initial=1,
        widget=forms.NumberInput(attrs={"data-quantity": ""}),
    )
    unit_price = forms.DecimalField(
        label=field_label(OrderLine, "unit_price"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("Leave empty for the list price."),
        widget=forms.NumberInput(attrs={"step": "0.01", "data-unit-price": ""}),
    )

    def __init__(self, *args, can_set_price: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_set_price:
            # Mirrors the API: only orders.set_line_price may deviate from the list price.
            self.fields["unit_price"].disabled = True


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, can_set_price: bool = True, **kwargs):
        self.can_set_price = can_set_price
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "can_set_price": self.can_set_price}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            can_set_price=self.can_set_price,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def line_forms(self) -> list[OrderLineForm]:
        """The forms that are order lines, in the order the service sees them
        (so ``lines[i]`` in a service error is ``line_forms()[i]``)."""
        return [
            form
            for i, form in enumerate(self.forms)
            if not self._should_delete_form(form)
            and (i < self.initial_form_count() or form.has_changed())
        ]

    def clean(self):
        if any(self.errors):
            return
        if not self.line_forms():
            raise ValidationError(_("Add at least one line."), code="no_lines")

    def add_non_form_error(self, message: str) -> None:
        self.non_form_errors()  # make sure the list exists
        self._non_form_errors.append(message)

    def line_inputs(self) -> list[LineInput]:
        inputs = []
        for form in self.line_forms():
            data = form.cleaned_data
            price = data.get("unit_price")
            if not self.can_set_price and "product" in form.changed_data:
                # The disabled price field holds the captured price of the
                # line's first product; another product takes its list price.
                price = None
            elif price is None and self.can_set_price:
                # A price cleared by who may set prices means the list price
                # (the service would otherwise keep the line's current one).
                price = data["product"].list_price
            inputs.append(
                LineInput(product=data["product"], quantity=data["quantity"], unit_price=price)
            )
        return inputs


def line_formset_class(*, extra: int):
    return forms.formset_factory(
        OrderLineForm,
        formset=BaseLineFormSet,
        extra=extra,
        can_delete=True,
        max_num=500,
        validate_max=True,
    )


class IntakeForms:
    """The intake page's three parts (order, new customer, lines) validated
    together, and a service's ``DomainError`` mapped back onto the field it names."""

    CUSTOMER_KEYS = set(services.CUSTOMER_FIELDS)

    def __init__(self, data=None, *, user, order: Order | None = None):
        self.can_add_customer = user.has_perm("orders.add_customer")
        can_set_price = user.has_perm("orders.set_line_price")
        order_initial, lines_initial = None, None
        if order is not None:
            order_initial = {
                "customer_mode": OrderForm.EXISTING,
                "customer": order.customer,
                "channel": order.channel,
                "requested_delivery_date": order.requested_delivery_date,
                "payment_method": order.payment_method,
                "notes": order.notes,
            }
            lines_initial = [
                {"product": ln.product, "quantity": ln.quantity, "unit_price": ln.unit_price}
                for ln in order.lines.select_related("product")
            ]
        self.order_form = OrderForm(
            data,
            initial=order_initial,
            can_add_customer=self.can_add_customer,
            customers=selectors.customers_visible_to(user=user),
        )
        if data is not None and self.new_customer:
            self.customer_form = CustomerForm(data, prefix="customer", user=user)
        else:
            # Not validated (and so no errors shown) unless a new customer is
            # chosen; what was typed stays in the fields.
            typed = {
                name: data.get(f"customer-{name}")
                for name in services.CUSTOMER_FIELDS
                if data is not None and data.get(f"customer-{name}")
            }
            self.customer_form = CustomerForm(prefix="customer", initial=typed, user=user)
        formset_class = line_formset_class(extra=0 if lines_initial else 1)
        self.lines = formset_class(
            data, initial=lines_initial, prefix="lines", can_set_price=can_set_price
        )
        self.errors_summary: list[str] = []

    @property
    def new_customer(self) -> bool:
        return self.can_add_customer and self.order_form.wants_new_customer

    @property
    def has_errors(self) -> bool:
        if not self.order_form.is_bound:
            return False
        return bool(
            self.errors_summary
            or self.order_form.errors
            or (self.new_customer and self.customer_form.errors)
            or self.lines.total_error_count()
        )

    def is_valid(self) -> bool:
        valid = self.order_form.is_valid()
        if self.new_customer:
            valid = self.customer_form.is_valid() and valid
        valid = self.lines.is_valid() and valid
        return valid

    def customer_fields(self) -> dict[str, Any]:
        return dict(self.customer_form.cleaned_data)

    def existing_customer(self) -> Customer | None:
        return None if self.new_customer else self.order_form.cleaned_data["customer"]

    def add_domain_error(self, exc: DomainError) -> None:
        """Put each of ``exc.fields`` on the form that owns it: ``lines[2].quantity``
        on the third line, ``phone`` on the new customer, ``notes`` on the order.
        A field of that form gets it through the kernel's ``add_domain_error``;
        the message itself heads the page (``errors_summary``)."""
        self.errors_summary.append(exc.message)
        line_forms = self.lines.line_forms()
        for key, messages in (exc.fields or {}).items():
            form, field = self._owner(key, line_forms)
            if form is not None and field in form.fields:
                own = DomainError(exc.message, fields={field: messages})
                add_domain_error(form, own, top=False)
                continue
            messages = messages if isinstance(messages, list | tuple) else [messages]
            for message in map(str, messages):
                if form is None:
                    self.lines.add_non_form_error(message)
                elif form is self.order_form or form is self.customer_form:
                    self.order_form.add_error(None, f"{key}: {message}")
                else:  # a line, on no field of its own
                    form.add_error(None, message)

    def _owner(self, key: str, line_forms: list) -> tuple[forms.BaseForm | None, str]:
        """The form and field ``key`` names; no form for the lines as a whole
        (or a line that is not there)."""
        if key == "lines":
            return None, ""
        if key.startswith("lines["):
            index, _dot, field = key[len("lines[") :].partition("].")
            try:
                return line_forms[int(index)], field
            except (ValueError, IndexError):
                return None, ""
        if self.new_customer and key in self.CUSTOMER_KEYS:
            return self.customer_form, key
        return self.order_form, key
