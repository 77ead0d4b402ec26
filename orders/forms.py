"""HTML forms of the sales staff UI. They validate input and turn it into the
keyword arguments of ``orders.services``; they never save anything themselves
(no ``ModelForm.save()``): every write goes through a service."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from inventory.models import Product
from orders_site.forms import DATE_WIDGET, PersonChoiceField

from . import hooks, roles, selectors, services
from .models import Customer, CustomerContact, Order, OrderLine, OrderStatus
from .reasons import ADJUSTMENT_REASON_LABELS, CANCEL_REASON_LABELS, reason_label  # noqa: F401
from .regions import PROVINCES
from .services import LineInput
from .validators import LANDLINE_RE, MOBILE_RE, normalise_phone


def _label(model, name: str):
    """The model field's own (translated) name, capitalised, as a form label."""
    return capfirst(model._meta.get_field(name).verbose_name)


def _reason_choices(codes: list[str], labels: dict) -> list[tuple[str, Any]]:
    # The services own the list of codes; the labels only translate them.
    return [("", _("Choose a reason"))] + [(code, labels.get(code, code)) for code in codes]


# --- the order list ----------------------------------------------------------


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
        label=_label(Order, "status"),
        required=False,
        choices=[("", _("All statuses")), *OrderStatus.choices],
    )
    customer = forms.ModelChoiceField(
        label=_label(Order, "customer"),
        required=False,
        queryset=Customer.objects.order_by("name", "pk"),
        empty_label=_("All customers"),
    )
    salesperson = PersonChoiceField(
        label=_label(Order, "salesperson"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("All salespeople"),
    )
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Created until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # People who sell, and anyone who already has orders to their name.
        self.fields["salesperson"].queryset = (
            get_user_model()
            .objects.filter(
                Q(groups__name__in=[roles.SALES, roles.SALES_MANAGER])
                | Q(sales_orders__isnull=False)
            )
            .distinct()
            .order_by("username")
        )

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


# --- intake (process 1) ------------------------------------------------------


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
        label=_label(Order, "customer"),
        choices=[(EXISTING, _("Existing customer")), (NEW, _("New customer"))],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    customer = CustomerRefField(label=_("Find customer"), required=False)
    channel = forms.ChoiceField(
        label=_label(Order, "channel"),
        choices=Order.Channel.choices,
        initial=Order.Channel.PHONE,
    )
    requested_delivery_date = forms.DateField(
        label=_label(Order, "requested_delivery_date"), widget=DATE_WIDGET
    )
    payment_method = forms.ChoiceField(
        label=_label(Order, "payment_method"),
        choices=[("", "---------"), *Order.PaymentMethod.choices],
    )
    notes = forms.CharField(
        label=_label(Order, "notes"),
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
        label=_label(OrderLine, "quantity"),
        min_value=1,
        max_value=1_000_000,
        initial=1,
        widget=forms.NumberInput(attrs={"data-quantity": ""}),
    )
    unit_price = forms.DecimalField(
        label=_label(OrderLine, "unit_price"),
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

    def add_domain_error(self, exc) -> None:
        """Put each of ``exc.fields`` on the form that owns it: ``lines[2].quantity``
        on the third line, ``phone`` on the new customer, ``notes`` on the order."""
        self.errors_summary.append(exc.message)
        line_forms = self.lines.line_forms()
        for key, messages in (exc.fields or {}).items():
            messages = messages if isinstance(messages, list | tuple) else [messages]
            for message in messages:
                self._place(key, str(message), line_forms)

    def _place(self, key: str, message: str, line_forms: list) -> None:
        if key == "lines":
            self.lines.add_non_form_error(message)
        elif key.startswith("lines["):
            index, _dot, field = key[len("lines[") :].partition("].")
            try:
                form = line_forms[int(index)]
            except (ValueError, IndexError):
                self.lines.add_non_form_error(message)
                return
            form.add_error(field if field in form.fields else None, message)
        elif self.new_customer and key in self.CUSTOMER_KEYS:
            self.customer_form.add_error(key, message)
        elif key in self.order_form.fields:
            self.order_form.add_error(key, message)
        else:
            self.order_form.add_error(None, f"{key}: {message}")


class _CheckOrderForm(forms.Form):
    order = forms.CharField(required=False, max_length=20)
    customer = CustomerRefField(label=_("Find customer"), required=False)
    requested_delivery_date = forms.DateField(
        label=_label(Order, "requested_delivery_date"), required=False
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
        label=_label(Customer, "province"), required=False, choices=[("", ""), *PROVINCES]
    )
    city = forms.CharField(label=_label(Customer, "city"), required=False, max_length=50)
    credit_limit = forms.DecimalField(
        label=_label(Customer, "credit_limit"),
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


# --- the order page ----------------------------------------------------------


class ContactForm(forms.Form):
    """Process 2.2: what sales told the customer and what they agreed."""

    channel = forms.ChoiceField(
        label=_label(CustomerContact, "channel"),
        choices=CustomerContact.Channel.choices,
        initial=CustomerContact.Channel.PHONE,
    )
    summary = forms.CharField(
        label=_label(CustomerContact, "summary"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    """A transition without input of its own; the note is optional."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AdjustmentForm(NoteForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices(services.ADJUSTMENT_REASONS, ADJUSTMENT_REASON_LABELS),
    )
    field_order = ["reason", "note"]


class CancelForm(NoteForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=_reason_choices(services.CANCEL_REASONS, CANCEL_REASON_LABELS),
    )
    field_order = ["reason", "note"]


def transition_form(name: str, data=None) -> NoteForm:
    """The input form of step ``name`` (the stage registers it with
    ``orders.hooks.step``), prefixed so that several fit on one page."""
    return transition_form_class(name)(data, prefix=name)


def transition_form_class(name: str) -> type[NoteForm]:
    """The form the step registered (``orders.hooks.step``), else a note."""
    return hooks.get_step(name).form or NoteForm
