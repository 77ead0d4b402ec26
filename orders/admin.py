"""The sales manager's admin: review, approve, send back or cancel orders
(process 2.1–2.3), and the customers.

The admin is a reading and deciding surface, not an editing one. An order
changes only through ``orders.services``, which lock the row, check the role
and the state, reserve or release stock and write the audit event; a model
form saving fields directly would skip all of that. So the order change form
is view-only, and every decision is an admin action, a button on the order
page or a control on the review queue, each calling the service once per order
and reporting per order what happened.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders_site.admin_mixins import ReadOnlyAdminMixin
from orders_site.errors import DomainError
from orders_site.formatting import cny
from orders_site.forms import person_name

from . import forms as order_forms
from . import hooks, selectors, services
from .models import (
    ArchiveRecord,
    ArchiveReview,
    Customer,
    CustomerContact,
    CustomerEvent,
    Order,
    OrderEvent,
    OrderLine,
)

admin.site.site_header = _("Sales order management")
admin.site.site_title = _("Sales orders")
admin.site.index_title = _("Administration")


# --- transitions the admin offers ---------------------------------------------


class AdjustmentForm(order_forms.AdjustmentForm):
    """The web UI's form, with the note required: the manager's note is what
    sales reads to know what to fix; the reason code alone is too coarse."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Sales sees this note on the order.")


class CancelForm(order_forms.CancelForm):
    """A cancellation is final, so the admin asks for a note saying why."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Recorded on the order's timeline.")


# The transitions a manager takes from the admin, with the form each asks for
# and its per-order messages. Which of them a user may take on an order now
# always comes from the state machine, never from this list.
ADMIN_TRANSITIONS: dict[str, dict] = {
    "approve": {
        "form": order_forms.NoteForm,
        "button": _("Approve"),
        "title": _("Approve orders"),
        "done": _("Order %(number)s approved; stock reserved."),
        "failed": _("Order %(number)s was not approved: %(message)s"),
    },
    "request_adjustment": {
        "form": AdjustmentForm,
        "button": _("Request adjustment"),
        "title": _("Send orders back to sales for adjustment"),
        "done": _("Order %(number)s sent back to sales for adjustment."),
        "failed": _("Order %(number)s was not sent back: %(message)s"),
    },
    "cancel": {
        "form": CancelForm,
        "button": _("Cancel order"),
        "title": _("Cancel orders"),
        "done": _("Order %(number)s cancelled; its reservations were released."),
        "failed": _("Order %(number)s was not cancelled: %(message)s"),
    },
    "complete": {
        "form": order_forms.NoteForm,
        "button": _("Complete"),
        "title": _("Complete orders"),
        "done": _("Order %(number)s completed."),
        "failed": _("Order %(number)s was not completed: %(message)s"),
    },
    "archive": {
        "form": order_forms.NoteForm,
        "button": _("Archive"),
        "title": _("Archive orders"),
        "done": _("Order %(number)s archived."),
        "failed": _("Order %(number)s was not archived: %(message)s"),
    },
}


def run_transition(request, orders, name: str, **kwargs) -> int:
    """Call the transition's service for each order and report each outcome.

    Each call is its own transaction, so one order that cannot move (short of
    stock, changed meanwhile, in the wrong state) leaves the others alone.
    Returns how many succeeded.
    """
    spec = ADMIN_TRANSITIONS[name]
    service = hooks.get_step(name).service
    done = 0
    for order in orders:
        try:
            service(order=order, user=request.user, **kwargs)
        except DomainError as exc:
            messages.error(
                request, spec["failed"] % {"number": order.number, "message": exc.message}
            )
        else:
            done += 1
            messages.success(request, spec["done"] % {"number": order.number})
    return done


def _safe_next(request, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _findings_html(order: Order):
    if order.findings_computed_at is None:
        return _("Not reviewed yet: the findings are computed when the order is submitted.")
    if not order.review_findings:
        return format_html('<span class="findings-none">{}</span>', _("No findings."))
    return format_html(
        '<ul class="findings">{}</ul>',
        format_html_join(
            "",
            '<li class="finding finding--{}">{}</li>',
            ((f.get("code", ""), selectors.finding_message(f)) for f in order.review_findings),
        ),
    )


# --- inlines: what the manager reads on the order page -------------------------


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the services: shown, never added, changed or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    # Lines are edited by sales in the web UI through ``order_update`` (only
    # while the order is editable); the manager reads them here.
    model = OrderLine
    fields = ["product", "quantity", "unit_price_cny", "line_total_cny", "picked_quantity"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description=_("unit price (CNY)"))
    def unit_price_cny(self, line):
        return cny(line.unit_price)

    @admin.display(description=_("line total (CNY)"))
    def line_total_cny(self, line):
        return cny(line.line_total)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")
    fields = ["created_at", "kind", "change", "actor_name", "note", "details"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("status change"))
    def change(self, event):
        if event.kind != OrderEvent.Kind.TRANSITION:
            return ""
        return format_html(
            _("{transition}: {from_status} → {to_status}"),
            transition=capfirst(
                str(selectors.TRANSITION_LABELS.get(event.transition, event.transition))
            ),
            from_status=event.get_from_status_display(),
            to_status=event.get_to_status_display(),
        )

    @admin.display(description=_("by"))
    def actor_name(self, event):
        return person_name(event.actor) or _("system")

    @admin.display(description=_("details"))
    def details(self, event):
        return event_details(event.data)


def event_details(data: dict) -> str:
    """The parts of an event's data a manager reads, in words."""
    parts = []
    if reason := data.get("reason"):
        parts.append(_("Reason: %(reason)s") % {"reason": order_forms.reason_label(reason)})
    for key, label in (
        ("reserved", _("Reserved: %(items)s")),
        ("released", _("Released: %(items)s")),
    ):
        if moved := data.get(key):
            items = ", ".join(f"{sku} × {qty}" for sku, qty in moved.items())
            parts.append(label % {"items": items})
    if "findings" in data:
        n = len(data["findings"])
        parts.append(
            ngettext("%(n)d review finding", "%(n)d review findings", n) % {"n": n}
            if n
            else _("No review findings")
        )
    if changes := data.get("changes"):
        parts.append(_("Changed: %(fields)s") % {"fields": ", ".join(changes)})
    if tracking := data.get("tracking_number"):
        parts.append(f"{data.get('carrier', '')} {tracking}".strip())
    if sku := data.get("sku"):
        parts.append(f"{sku} × {data.get('quantity', '')}")
    return "; ".join(str(p) for p in parts)


class CustomerContactInline(ReadOnlyInline):
    model = CustomerContact
    fields = ["contacted_at", "channel", "summary", "contacted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contacted_by")


# --- orders --------------------------------------------------------------------


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer_name",
        "salesperson_name",
        "status",
        "total_cny",
        "requested_date",
        "created",
    ]
    list_filter = [
        "status",
        ("created_at", admin.DateFieldListFilter),
        ("salesperson", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "customer__name", "customer__company", "customer__phone"]
    search_help_text = _("Order number, customer name, company or phone.")
    date_hierarchy = "created_at"
    list_select_related = ["customer", "salesperson"]
    list_per_page = 50
    actions = ["approve", "request_adjustment", "cancel", "archive"]
    inlines = [OrderLineInline, OrderEventInline, CustomerContactInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("number", "status"),
                    ("customer", "salesperson_name"),
                    ("channel", "payment_method"),
                    ("requested_delivery_date", "earliest_feasible"),
                    ("total_cny", "warehouse"),
                    "external_ref",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (_("Review findings"), {"fields": ["findings", "findings_computed_at"]}),
        (_("Notes"), {"fields": ["notes"]}),
    ]
    # Everything is read-only (has_change_permission below): see the module
    # docstring. The method fields must still be named here.
    readonly_fields = ["total_cny", "findings", "earliest_feasible", "salesperson_name"]

    # --- permissions: view and decide, never edit ---

    def has_add_permission(self, request):
        # Orders are recorded by sales (web UI) or the API: order_create
        # numbers them and writes the first event.
        return False

    def has_change_permission(self, request, obj=None):
        # View-only for everyone, superusers included: status is a protected
        # FSM field and every other field belongs to order_update, which only
        # sales may call while the order is editable. A POST to the change
        # form is refused with 403.
        return False

    def has_delete_permission(self, request, obj=None):
        # Orders are cancelled or archived, never deleted (the stock ledger
        # and the timeline point at them).
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("orders.review_order")

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.cancel_order")

    def has_archive_permission(self, request):
        return request.user.has_perm("orders.archive_order")

    def lookup_allowed(self, lookup, value, request=None):
        # The customer page links to that customer's orders.
        if lookup == "customer__id__exact":
            return True
        return super().lookup_allowed(lookup, value, request)

    # --- columns and read-only fields ---

    @admin.display(description=_("customer"), ordering="customer__name")
    def customer_name(self, order):
        customer = order.customer
        if not customer.company:
            return customer.name
        return format_html('{}<div class="quiet">{}</div>', customer.name, customer.company)

    @admin.display(description=_("salesperson"), ordering="salesperson__last_name")
    def salesperson_name(self, order):
        return person_name(order.salesperson)

    @admin.display(description=_("total (CNY)"), ordering="total")
    def total_cny(self, order):
        return cny(order.total)

    # Compact dates (2026-12-02) keep the list on one screen's width; the
    # order page shows them in the reader's long format.
    @admin.display(description=_("requested delivery"), ordering="requested_delivery_date")
    def requested_date(self, order):
        return order.requested_delivery_date.strftime("%Y-%m-%d")

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, order):
        return timezone.localtime(order.created_at).strftime("%Y-%m-%d")

    @admin.display(description=_("review findings"))
    def findings(self, order):
        return _findings_html(order)

    @admin.display(description=_("earliest feasible delivery"))
    def earliest_feasible(self, order):
        return date_format(selectors.earliest_feasible_date(province=order.customer.province))

    # --- actions: one service call per selected order ---

    def _ordered(self, queryset):
        # Oldest first, like the review queue: when two orders compete for
        # the last units, the one that waited longer gets them.
        return queryset.select_related("customer").order_by("created_at", "pk")

    @admin.action(description=_("Approve selected orders (reserves stock)"), permissions=["review"])
    def approve(self, request, queryset):
        run_transition(request, self._ordered(queryset), "approve")

    @admin.action(description=_("Request adjustment of selected orders…"), permissions=["review"])
    def request_adjustment(self, request, queryset):
        return self._action_with_form(request, queryset, "request_adjustment")

    @admin.action(description=_("Cancel selected orders…"), permissions=["cancel"])
    def cancel(self, request, queryset):
        return self._action_with_form(request, queryset, "cancel")

    @admin.action(
        description=_("Archive selected orders (completed or cancelled)"), permissions=["archive"]
    )
    def archive(self, request, queryset):
        # Documentation 5: each order is archived or told why not (still
        # open, archived already) on its own.
        run_transition(request, self._ordered(queryset), "archive")

    def _action_with_form(self, request, queryset, name: str):
        """First show the reason-and-note form for the selected orders (the
        intermediate page posts back to this action with ``apply``); then run
        the transition for each of them."""
        form_class = ADMIN_TRANSITIONS[name]["form"]
        orders = list(self._ordered(queryset))
        if "apply" in request.POST:
            form = form_class(request.POST, prefix=name)
            if form.is_valid():
                run_transition(request, orders, name, **form.service_kwargs())
                return None  # back to the changelist, with the messages
        else:
            form = form_class(prefix=name)
        return self._confirm_page(request, name=name, orders=orders, form=form, is_action=True)

    def _confirm_page(self, request, *, name, orders, form, is_action, next_url=""):
        spec = ADMIN_TRANSITIONS[name]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": spec["title"],
            "button": spec["button"],
            "transition": name,
            "orders": orders,
            "form": form,
            "is_action": is_action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "next_url": next_url,
            "changelist_url": reverse("admin:orders_order_changelist"),
        }
        return TemplateResponse(request, "admin/orders/order/transition_confirm.html", context)

    # --- the order page's buttons and the review queue ---

    def get_urls(self):
        return [
            path(
                "review-queue/",
                self.admin_site.admin_view(self.review_queue_view),
                name="orders_order_review_queue",
            ),
            path(
                "<int:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="orders_order_transition",
            ),
            *super().get_urls(),
        ]

    def transition_buttons(self, request, order) -> list[dict]:
        """The admin transitions this user may take on this order now, from
        the state machine."""
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        allowed = set(selectors.order_available_transitions(order=order, user=request.user))
        return [
            {
                "name": name,
                "label": ADMIN_TRANSITIONS[name]["button"],
                "url": reverse("admin:orders_order_transition", args=[order.pk, name])
                + f"?next={change_url}",
            }
            for name in ADMIN_TRANSITIONS
            if name in allowed
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["transition_buttons"] = self.transition_buttons(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_review_permission(request):
            extra_context["review_queue_count"] = selectors.review_queue().count()
        return super().changelist_view(request, extra_context)

    def transition_view(self, request, object_id, name):
        """One order, one transition: GET shows the confirmation form, POST
        runs it. A POST without a note (the queue's approve button) is a
        valid approval, since the note is optional there."""
        if name not in ADMIN_TRANSITIONS:
            raise Http404
        order = get_object_or_404(Order.objects.select_related("customer"), pk=object_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        back = _safe_next(request, reverse("admin:orders_order_change", args=[order.pk]))
        form_class = ADMIN_TRANSITIONS[name]["form"]
        if request.method == "POST":
            form = form_class(request.POST, prefix=name)
            if form.is_valid():
                run_transition(request, [order], name, **form.service_kwargs())
                return HttpResponseRedirect(back)
        else:
            allowed = selectors.order_available_transitions(order=order, user=request.user)
            if name not in allowed:
                messages.error(
                    request,
                    _("You cannot %(action)s order %(number)s while it is %(status)s.")
                    % {
                        "action": selectors.TRANSITION_LABELS[name],
                        "number": order.number,
                        "status": order.get_status_display(),
                    },
                )
                return HttpResponseRedirect(back)
            form = form_class(prefix=name)
        return self._confirm_page(
            request, name=name, orders=[order], form=form, is_action=False, next_url=back
        )

    def review_queue_view(self, request):
        """Process 2.1: submitted orders, oldest first, with their findings.

        The findings were stored when the order was submitted, and the
        submission time is ``findings_computed_at``, so a page costs the same
        few queries whatever its length.
        """
        if not self.has_review_permission(request):
            raise PermissionDenied
        queue = selectors.review_queue().prefetch_related("lines__product")
        page = Paginator(queue, 50).get_page(request.GET.get("page"))
        now = timezone.now()
        rows = []
        for order in page:
            submitted_at = order.findings_computed_at or order.updated_at
            rows.append(
                {
                    "order": order,
                    "salesperson": person_name(order.salesperson),
                    "total": cny(order.total),
                    "submitted_at": submitted_at,
                    "waiting_hours": (now - submitted_at).total_seconds() / 3600,
                    "findings": [selectors.finding_message(f) for f in order.review_findings],
                    "lines": list(order.lines.all()),
                    "change_url": reverse("admin:orders_order_change", args=[order.pk]),
                    "actions": {
                        name: reverse("admin:orders_order_transition", args=[order.pk, name])
                        for name in ("approve", "request_adjustment", "cancel")
                    },
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Review queue"),
            "subtitle": None,
            "page": page,
            "rows": rows,
            "can_cancel": self.has_cancel_permission(request),
            "queue_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/orders/order/review_queue.html", context)


# --- the archive (documentation 5) -----------------------------------------------------


class ArchiveReviewInline(ReadOnlyInline):
    model = ArchiveReview
    fields = ["reviewed_at", "reviewer", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: ``order_archive`` writes the records and the review page
    (``/archive/reviews/``) their reviews."""

    list_display = [
        "order",
        "final_status",
        "archived_at",
        "archived_by",
        "next_review_on",
        "last_reviewed_at",
    ]
    list_filter = ["final_status", ("next_review_on", admin.DateFieldListFilter)]
    search_fields = ["order__number", "order__customer__name", "order__customer__company"]
    list_select_related = ["order", "archived_by"]
    date_hierarchy = "archived_at"
    inlines = [ArchiveReviewInline]


# --- customers -----------------------------------------------------------------


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
