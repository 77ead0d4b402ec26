"""The sales staff web UI (desktop). Thin views: forms validate, every write
is a call to ``orders.services``, reads come from ``orders.selectors``, and a
``DomainError`` from a service becomes a message on the page, never a 500."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inventory import selectors as inventory_selectors
from notifications import selectors as notification_selectors
from orders_site.errors import DomainError

from . import forms, hooks, selectors, services
from .exceptions import OrderArchived, OrderConflict, OrderInvalid, OrderNotEditable
from .models import ArchiveRecord, Order, OrderStatus

PRIMARY_TRANSITIONS = {
    "submit",
    "resubmit",
    "approve",
    "start_picking",
    "finish_picking",
    "pass_qc",
    "pack",
    "ship",
    "confirm_delivery",
    "complete",
}
DANGER_TRANSITIONS = {"cancel"}


def _order_or_404(request, number: str) -> Order:
    orders = selectors.orders_visible_to(user=request.user).select_related(
        "customer", "salesperson", "created_by"
    )
    return get_object_or_404(orders, number=number)


def _detail_url(order: Order, anchor: str = "") -> str:
    url = reverse("orders:detail", kwargs={"number": order.number})
    return f"{url}#{anchor}" if anchor else url


def _error_text(exc: DomainError) -> str:
    """The service's message, followed by what it says about each field."""
    details = []
    for key, messages_ in (exc.fields or {}).items():
        for message in messages_ if isinstance(messages_, list | tuple) else [messages_]:
            if str(message) != exc.message:
                details.append(f"{key}: {message}")
    return " ".join([exc.message, *details]) if details else exc.message


# --- the list ---------------------------------------------------------------


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_GET
def order_list(request):
    form = forms.OrderFilterForm(request.GET or None)
    orders = selectors.order_list(filters=form.filters()) & selectors.orders_visible_to(
        user=request.user
    )
    page = Paginator(orders, settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {"form": form, "page": page, "filtered": bool(form.is_bound and form.filters())},
    )


# --- intake and edit (process 1, 2.2) ----------------------------------------


@login_required
@permission_required("orders.add_order", raise_exception=True)
def order_create(request):
    data = request.POST if request.method == "POST" else None
    intake = forms.IntakeForms(data, user=request.user)
    if request.method == "POST" and intake.is_valid():
        try:
            order = services.order_intake(
                user=request.user,
                customer=intake.existing_customer(),
                customer_fields=intake.customer_fields() if intake.new_customer else None,
                lines=intake.lines.line_inputs(),
                **intake.order_form.service_fields(),
            )
        except DomainError as exc:
            intake.add_domain_error(exc)
        else:
            messages.success(
                request, _("Order %(number)s was recorded as a draft.") % {"number": order.number}
            )
            _findings_message(request, order)
            return redirect(_detail_url(order))
    return render(request, "orders/order_form.html", {"intake": intake, "order": None})


@login_required
@permission_required("orders.change_order", raise_exception=True)
def order_edit(request, number: str):
    order = _order_or_404(request, number)
    if not order.is_editable:
        messages.error(request, _not_editable(order))
        return redirect(_detail_url(order))
    data = request.POST if request.method == "POST" else None
    intake = forms.IntakeForms(data, user=request.user, order=order)
    if request.method == "POST" and intake.is_valid():
        try:
            services.order_intake(
                user=request.user,
                order=order,
                customer=intake.existing_customer(),
                customer_fields=intake.customer_fields() if intake.new_customer else None,
                lines=intake.lines.line_inputs(),
                **intake.order_form.service_fields(),
            )
        except (OrderNotEditable, OrderConflict, OrderArchived) as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(order))
        except DomainError as exc:
            intake.add_domain_error(exc)
        else:
            messages.success(request, _("Order %(number)s was saved.") % {"number": order.number})
            _findings_message(request, order)
            return redirect(_detail_url(order))
    return render(request, "orders/order_form.html", {"intake": intake, "order": order})


#: A message holds this many findings; the live panel showed them all.
FINDINGS_IN_MESSAGE = 10


def _findings_message(request, order: Order) -> None:
    """What the manager's review will find in the order just saved, said
    once more after saving (sales may still save it: the manager decides)."""
    findings = [selectors.finding_message(f) for f in selectors.order_compute_findings(order=order)]
    if not findings:
        return
    shown = findings[:FINDINGS_IN_MESSAGE]
    if len(findings) > len(shown):
        shown.append(_("and %(n)s more.") % {"n": len(findings) - len(shown)})
    messages.warning(
        request,
        _("The manager will review these: %(findings)s") % {"findings": " ".join(shown)},
    )


def _not_editable(order: Order) -> str:
    if order.status == OrderStatus.ARCHIVED:
        return _("Order %(number)s is archived and can no longer be changed.") % {
            "number": order.number
        }
    return _("Order %(number)s is %(status)s and can no longer be edited.") % {
        "number": order.number,
        "status": order.get_status_display(),
    }


# --- the order page -----------------------------------------------------------


def _detail_context(request, order: Order, *, bound: dict | None = None) -> dict:
    """Everything the order page shows; ``bound`` holds a submitted form that
    failed validation, to show again with its errors. An archived order is
    read-only (documentation 5): the page says so and offers no control that
    would change it."""
    bound = bound or {}
    archived = order.status == OrderStatus.ARCHIVED
    actions = []
    for name in selectors.order_available_transitions(order=order, user=request.user):
        form = bound.get(name) or forms.transition_form(name)
        actions.append(
            {
                "name": name,
                "form": form,
                "needs_input": hooks.get_step(name).form is not None,
                "open": name in bound,
                "style": "primary"
                if name in PRIMARY_TRANSITIONS
                else "danger"
                if name in DANGER_TRANSITIONS
                else "secondary",
            }
        )
    user = request.user
    # The step the process expects first, the ones that send it back after,
    # cancelling last.
    actions.sort(key=lambda a: ["primary", "secondary", "danger"].index(a["style"]))
    return {
        "order": order,
        "lines": order.lines.select_related("product"),
        "timeline": selectors.order_timeline(order=order),
        "contacts": order.contacts.select_related("contacted_by"),
        "messages_sent": notification_selectors.order_messages(order=order)[:20],
        "shipments": order.shipments.all(),
        "packages": order.packages.all(),
        "actions": actions,
        "contact_form": bound.get("contact") or forms.ContactForm(prefix="contact"),
        "can_contact": not archived and user.has_perm("orders.add_customercontact"),
        "can_edit": order.is_editable and user.has_perm("orders.change_order"),
        "archive_record": _archive_record(order) if archived else None,
        # Each stage's part of the page (after-sales: cases, returns, follow-ups).
        **{
            k: v
            for part in hooks.ask("order_page", order=order, user=user)
            for k, v in part.items()
        },
    }


def _archive_record(order: Order) -> ArchiveRecord | None:
    return ArchiveRecord.objects.select_related("archived_by").filter(order=order).first()


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_GET
def order_detail(request, number: str):
    order = _order_or_404(request, number)
    return render(request, "orders/order_detail.html", _detail_context(request, order))


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_POST
def order_transition(request, number: str, name: str):
    if name not in hooks.transition_names(Order):
        raise Http404(name)
    service = hooks.get_step(name).service
    order = _order_or_404(request, number)
    form = forms.transition_form(name, request.POST)
    if not form.is_valid():
        if name in selectors.order_available_transitions(order=order, user=request.user):
            context = _detail_context(request, order, bound={name: form})
            return render(request, "orders/order_detail.html", context, status=400)
        messages.error(
            request,
            _("You cannot %(action)s order %(number)s now.")
            % {"action": selectors.TRANSITION_LABELS[name], "number": order.number},
        )
        return redirect(_detail_url(order))
    try:
        order = service(order=order, user=request.user, **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Order %(number)s is now %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
    return redirect(_detail_url(order))


@login_required
@permission_required("orders.add_customercontact", raise_exception=True)
@require_POST
def order_contact(request, number: str):
    order = _order_or_404(request, number)
    form = forms.ContactForm(request.POST, prefix="contact")
    if not form.is_valid():
        context = _detail_context(request, order, bound={"contact": form})
        return render(request, "orders/order_detail.html", context, status=400)
    try:
        services.order_record_contact(order=order, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The customer contact was recorded."))
    return redirect(_detail_url(order, "contacts"))


# --- product search for the intake form ---------------------------------------


@login_required
@permission_required("inventory.view_product", raise_exception=True)
@require_GET
def product_search(request):
    q = request.GET.get("q", "").strip()[:100]
    return JsonResponse({"results": inventory_selectors.product_search(query=q) if q else []})


@login_required
@permission_required("orders.add_order", raise_exception=True)
@require_POST
def intake_findings(request):
    """The review findings of the intake form as it stands, before it is
    saved (process 2.1 seen at 1.2): the intake page posts itself here as
    sales types, and shows the answer beside the lines. The rules are the
    review's own (``selectors.findings_compute``); nothing is saved, the
    form still saves whatever they say, the manager decides.

    A POST with the form's CSRF token; 400 with the fields at fault (the
    error shape of every service) for input that is not well-formed."""
    check = forms.IntakeCheck(request.POST, user=request.user)
    if not check.is_valid():
        error = OrderInvalid(_("Some fields cannot be checked yet."), fields=check.errors)
        return JsonResponse(error.as_dict(), status=400)
    findings = selectors.findings_compute(**check.findings_kwargs())
    return JsonResponse(
        {"findings": [{**f, "message": selectors.finding_message(f)} for f in findings]}
    )


@login_required
@permission_required("orders.view_customer", raise_exception=True)
@require_GET
def customer_search(request):
    """The intake form's customer search: at most
    ``selectors.CUSTOMER_SEARCH_LIMIT`` customers this user may see."""
    results = selectors.customer_search(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse({"results": results})
