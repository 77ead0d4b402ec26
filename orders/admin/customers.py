"""The customers, each with its timeline; every save goes through the
services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from orders_site.forms import person_name

from .. import services
from ..models import Customer, CustomerEvent
from .inlines import ReadOnlyInline


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = services.CUSTOMER_FIELDS


class CustomerEventInline(ReadOnlyInline):
    """The customer's timeline: who changed which field, from what, to what."""

    model = CustomerEvent
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")
    fields = ["created_at", "kind", "actor_name", "what_changed"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_name(self, event):
        return person_name(event.actor) or _("system")

    @admin.display(description=_("changes"))
    def what_changed(self, event):
        labels = {f.name: capfirst(f.verbose_name) for f in Customer._meta.fields}
        return format_html_join(
            "\n",
            "<div>{}: {} → {}</div>",
            (
                (labels.get(c["field"], c["field"]), c["from"] or "—", c["to"] or "—")
                for c in event.changes
            ),
        )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["name", "company", "phone", "province", "city", "preferred_language"]
    list_filter = ["province", "preferred_language", "payment_terms"]
    search_fields = ["name", "company", "phone", "contact_person"]
    fieldsets = [
        (None, {"fields": ["name", "company", "contact_person", "phone", "email"]}),
        (_("Address"), {"fields": ["province", "city", "district", "street", "postcode"]}),
        (
            _("Terms"),
            {"fields": ["preferred_language", "payment_terms", "credit_limit", "orders_link"]},
        ),
    ]
    readonly_fields = ["orders_link"]
    inlines = [CustomerEventInline]

    def get_readonly_fields(self, request, obj=None):
        # Credit limit and payment terms: shown to everyone, set by managers
        # (the service refuses them from anyone else too).
        allowed = services.customer_fields_for(request.user)
        terms = [f for f in services.CUSTOMER_TERMS_FIELDS if f not in allowed]
        return [*self.readonly_fields, *terms]

    @admin.display(description=_("orders"))
    def orders_link(self, customer):
        if customer.pk is None:
            return "—"
        url = reverse("admin:orders_order_changelist") + f"?customer__id__exact={customer.pk}"
        return format_html('<a href="{}">{}</a>', url, _("This customer's orders"))

    def save_model(self, request, obj, form, change):
        # Through the services, which normalise the phone number (so a
        # search by phone finds it), validate as the web UI does, check the
        # terms permission and write the timeline.
        fields = {
            name: form.cleaned_data[name]
            for name in services.CUSTOMER_FIELDS
            if name in form.cleaned_data
        }
        if change:
            services.customer_update(customer=obj, user=request.user, **fields)
        else:
            created = services.customer_create(user=request.user, **fields)
            obj.pk, obj.phone = created.pk, created.phone
            obj.created_at, obj.updated_at = created.created_at, created.updated_at
            obj._state.adding = False
