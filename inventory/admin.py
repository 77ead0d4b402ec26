"""Products, warehouses and stock in the admin.

Stock quantities are never edited as fields: every change is a ledger row
written by ``inventory.services`` with the stock row locked. The admin's
"Receive stock" and "Adjust stock" pages call those services; a refusal (for
example an adjustment that would leave less on hand than is reserved) comes
back as a message naming the problem, and nothing changes.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders_site.admin_mixins import ReadOnlyAdminMixin
from orders_site.errors import DomainError
from orders_site.formatting import cny

from . import services
from .exceptions import ProductCodeTaken
from .models import Product, ProductCode, StockItem, StockMovement, Warehouse

# --- products and warehouses ------------------------------------------------


class StockItemInline(admin.TabularInline):
    """A product's stock per warehouse, read-only (see the module docstring)."""

    model = StockItem
    extra = 0
    can_delete = False
    fields = ["warehouse", "bin_location", "on_hand", "reserved", "available"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("available"))
    def available(self, item):
        return item.available


def _ensure_free(form, name: str, *, product, as_kind: str, code_id=None) -> str | None:
    """A form field's code, stripped, or a ValidationError naming the
    product that already answers to it (``services.product_code_ensure_free``)."""
    code = (form.cleaned_data.get(name) or "").strip()
    if code:
        try:
            services.product_code_ensure_free(
                code=code, product=product, as_kind=as_kind, field=name, code_id=code_id
            )
        except ProductCodeTaken as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
    return code or None


class ProductForm(forms.ModelForm):
    """A scan finds a product by barcode, SKU or alternative code: neither
    the barcode nor the SKU may already be another product's code."""

    class Meta:
        model = Product
        fields = ["sku", "name", "barcode", "unit", "list_price", "is_active"]

    def _product(self):
        return self.instance if self.instance.pk else None

    def clean_sku(self):
        return _ensure_free(self, "sku", product=self._product(), as_kind="sku")

    def clean_barcode(self):
        return _ensure_free(self, "barcode", product=self._product(), as_kind="barcode")


class ProductCodeForm(forms.ModelForm):
    class Meta:
        model = ProductCode
        fields = ["code", "kind", "note"]

    def clean_code(self):
        # The inline formset has set the product on the instance (None on a
        # product's add page: then only other products' codes can collide).
        product = self.instance.product if self.instance.product_id else None
        return _ensure_free(self, "code", product=product, as_kind="code", code_id=self.instance.pk)


class ProductCodeFormSet(BaseInlineFormSet):
    """Two rows of one submission with the same code (ignoring case) would
    each pass the database check and then break the unique constraint."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue
            key = (form.cleaned_data.get("code") or "").upper()
            if key in seen:
                form.add_error("code", _("This code is entered twice."))
            seen.add(key)


class ProductCodeInline(admin.TabularInline):
    """Other codes on the shelf labels (a supplier's EAN, an internal
    label): a scan on the pick screen finds the product by any of them."""

    model = ProductCode
    form = ProductCodeForm
    formset = ProductCodeFormSet
    extra = 0
    fields = ["code", "kind", "note"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ["sku", "name", "barcode", "unit", "list_price_cny", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["sku", "name", "barcode", "codes__code"]
    search_help_text = _("SKU, name, barcode or alternative code.")
    fields = ["sku", "name", "barcode", "unit", "list_price", "is_active"]
    inlines = [ProductCodeInline, StockItemInline]

    @admin.display(description=_("list price (CNY)"), ordering="list_price")
    def list_price_cny(self, product):
        return cny(product.list_price)

    def get_readonly_fields(self, request, obj=None):
        # The SKU is printed on pick lists and stored on the ledger's
        # reasons; once a product exists it keeps its SKU.
        return ["sku"] if obj else []

    def has_delete_permission(self, request, obj=None):
        # Products are deactivated, not deleted: order lines and the stock
        # ledger refer to them.
        return False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


# --- stock: read-only quantities, changes through the services -----------------


class StockChangeForm(forms.Form):
    """Receive (a positive quantity) or adjust (signed) one product's stock.

    The services check the quantities again; this form only keeps obvious
    mistakes on the page. The product is chosen with the admin's autocomplete
    (search by SKU, name or barcode), since a catalogue is too long for a list.
    """

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.all(),
        widget=AutocompleteSelect(StockItem._meta.get_field("product"), admin.site),
    )
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.all())
    quantity = forms.IntegerField(label=_("Quantity"))
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "receive":
            self.fields["quantity"].min_value = 1
            self.fields["quantity"].widget.attrs["min"] = 1
            self.fields["quantity"].help_text = _("Units received, greater than zero.")
            self.fields["reason"].required = False
            self.fields["reason"].help_text = _("For example the supplier's delivery note.")
        else:
            self.fields["quantity"].help_text = _(
                "The difference counted: positive adds, negative removes (e.g. -3)."
            )
            self.fields["reason"].help_text = _("Why the count differs, e.g. damaged, recount.")

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if self.kind == "adjust" and quantity == 0:
            raise forms.ValidationError(_("Enter a quantity other than zero."))
        return quantity


STOCK_PAGES = {
    "receive": {
        "title": _("Receive stock"),
        "button": _("Receive"),
        "done": _("Received %(qty)s × %(sku)s into %(warehouse)s: on hand now %(on_hand)s."),
    },
    "adjust": {
        "title": _("Adjust stock"),
        "button": _("Adjust"),
        "done": _("Adjusted %(sku)s in %(warehouse)s by %(qty)s: on hand now %(on_hand)s."),
    },
}


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "bin_location",
        "stock_links",
    ]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name", "product__barcode", "bin_location"]
    list_select_related = ["product", "warehouse"]
    fields = ["product", "warehouse", "on_hand", "reserved", "available", "bin_location"]
    # Only the bin location is a plain field; quantities move through the ledger.
    readonly_fields = ["product", "warehouse", "on_hand", "reserved", "available"]

    @admin.display(description=_("available"))
    def available(self, item):
        return item.available

    @admin.display(description=_("change stock"))
    def stock_links(self, item):
        query = f"?product={item.product_id}&warehouse={item.warehouse_id}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:inventory_stockitem_receive") + query,
            _("Receive"),
            reverse("admin:inventory_stockitem_adjust") + query,
            _("Adjust"),
        )

    def has_add_permission(self, request):
        # A stock row appears with its first receipt.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_stock_change_permission(self, request) -> bool:
        """Receiving and adjusting each writes a ledger row."""
        return request.user.has_perm("inventory.add_stockmovement")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_change_stock": self.has_stock_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "receive/",
                self.admin_site.admin_view(self.stock_change_view),
                {"kind": "receive"},
                name="inventory_stockitem_receive",
            ),
            path(
                "adjust/",
                self.admin_site.admin_view(self.stock_change_view),
                {"kind": "adjust"},
                name="inventory_stockitem_adjust",
            ),
            *super().get_urls(),
        ]

    def stock_change_view(self, request, kind: str):
        if not self.has_stock_change_permission(request):
            raise PermissionDenied
        page = STOCK_PAGES[kind]
        if request.method == "POST":
            form = StockChangeForm(request.POST, kind=kind)
            if form.is_valid() and self._apply(request, form, kind):
                return HttpResponseRedirect(reverse("admin:inventory_stockitem_changelist"))
        else:
            initial = {"warehouse": services.warehouse_default().pk}
            for name in ("product", "warehouse"):
                if value := request.GET.get(name, "").strip():
                    initial[name] = value
            form = StockChangeForm(initial=initial, kind=kind)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": page["title"],
            "button": page["button"],
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/inventory/stockitem/stock_change.html", context)

    def _apply(self, request, form, kind: str) -> bool:
        data = form.cleaned_data
        try:
            if kind == "receive":
                movement = services.stock_receive(
                    product=data["product"],
                    quantity=data["quantity"],
                    user=request.user,
                    warehouse=data["warehouse"],
                    reason=data["reason"],
                )
            else:
                movement = services.stock_adjust(
                    product=data["product"],
                    quantity=data["quantity"],
                    reason=data["reason"],
                    user=request.user,
                    warehouse=data["warehouse"],
                )
        except DomainError as exc:
            messages.error(request, exc.message)
            for field, errors in exc.fields.items():
                if field in form.fields:
                    form.add_error(field, errors)
            return False
        messages.success(
            request,
            STOCK_PAGES[kind]["done"]
            % {
                "qty": data["quantity"],
                "sku": data["product"].sku,
                "warehouse": data["warehouse"].code,
                "on_hand": movement.on_hand_after,
            },
        )
        return True


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger: every row was written by a service and stays as written."""

    list_display = [
        "created_at",
        "sku",
        "warehouse",
        "kind",
        "on_hand_change",
        "reserved_change",
        "on_hand_after",
        "reserved_after",
        "order_link",
        "reason",
        "created_by",
    ]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter), "stock_item__warehouse"]
    search_fields = ["stock_item__product__sku", "order__number", "reason"]
    search_help_text = _("SKU, order number or reason.")
    date_hierarchy = "created_at"
    list_select_related = [
        "stock_item__product",
        "stock_item__warehouse",
        "order",
        "created_by",
    ]

    @admin.display(description=_("SKU"), ordering="stock_item__product__sku")
    def sku(self, movement):
        return movement.stock_item.product.sku

    @admin.display(description=_("warehouse"), ordering="stock_item__warehouse__code")
    def warehouse(self, movement):
        return movement.stock_item.warehouse.code

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, movement):
        if movement.order is None:
            return ""
        url = reverse("admin:orders_order_change", args=[movement.order_id])
        return format_html('<a href="{}">{}</a>', url, movement.order.number)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_change_stock": request.user.has_perm("inventory.add_stockmovement"),
        }
        return super().changelist_view(request, extra_context)
