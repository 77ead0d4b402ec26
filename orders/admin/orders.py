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
from django.utils.translation import gettext_lazy as _

from orders_site.formatting import cny
from orders_site.forms import person_name

from .. import selectors
from ..models import Order
from .inlines import CustomerContactInline, OrderEventInline, OrderLineInline
from .transitions import ADMIN_TRANSITIONS, run_transition


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
