"""The logistics pages (desktop, process 4): hand packed orders to the
carrier, confirm deliveries, print the day's hand-over manifest, and download
an order's shipping documents.

Thin views: forms shape the input, every write is ``orders.services``
(``order_ship``, ``order_confirm_delivery``), reads come from
``shipping.selectors``, and a ``DomainError`` lands next to the fields it
names, never as a 500. Logistics (``orders.ship_order`` /
``orders.deliver_order``) writes; whoever may view shipments
(``shipping.view_shipment``: logistics, sales managers, superusers) reads."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders import selectors as order_selectors
from orders.models import Order
from orders_site.errors import DomainError
from orders_site.forms import add_domain_error

from . import forms, manifest, selectors, services
from .models import Carrier

VIEW = "shipping.view_shipment"


def _carriers_active() -> list[Carrier]:
    return list(selectors.carriers_active())


def _ship_form(order: Order, carriers: list[Carrier], data=None) -> forms.ShipForm:
    plan = order.planned_shipments[0] if order.planned_shipments else None
    initial = {}
    if plan is not None:
        initial = {
            "carrier": plan.carrier.code if plan.carrier else "",
            "service": str(plan.service_id) if plan.service_id else "",
        }
    return forms.ShipForm(data, carriers=carriers, prefix=f"ship-{order.pk}", initial=initial)


def _packed_page(request, *, bound: dict[int, forms.ShipForm] | None = None, status: int = 200):
    """The hand-over list; ``bound`` holds a refused form to show again with
    its errors, keyed by order id."""
    bound = bound or {}
    carriers = _carriers_active()
    page = Paginator(selectors.orders_packed(), settings.ORDERS_PAGE_SIZE).get_page(
        request.GET.get("page") or request.POST.get("page")
    )
    rows = [
        {
            "order": order,
            "plan": order.planned_shipments[0] if order.planned_shipments else None,
            "form": bound.get(order.pk) or _ship_form(order, carriers),
        }
        for order in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "can_ship": request.user.has_perm("orders.ship_order"),
        "tab": "packed",
    }
    return render(request, "shipping/packed.html", context, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def packed(request):
    """Process 4.1–4.2: packed orders with their address, packages and the
    rules' proposal, each with a form to record the hand-over."""
    return _packed_page(request)


def _refuse_moved_on(request, visible, number: str) -> None:
    """The order is not (or no longer) in the list the form came from:
    someone else shipped or delivered it meanwhile. 404 for an unknown one."""
    order = get_object_or_404(visible, number=number)
    messages.error(
        request,
        _("Order %(number)s is now %(status)s; nothing was changed.")
        % {"number": order.number, "status": order.get_status_display()},
    )


def _back(request, default: str) -> str:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


@login_required
@permission_required("orders.ship_order", raise_exception=True)
@require_POST
def ship(request, number: str):
    visible = order_selectors.orders_visible_to(user=request.user)
    order = selectors.orders_packed().filter(pk__in=visible, number=number).first()
    if order is None:
        _refuse_moved_on(request, visible, number)
        return redirect(_back(request, reverse("shipping:packed")))
    form = _ship_form(order, _carriers_active(), request.POST)
    if form.is_valid():
        try:
            services.order_ship(order=order, user=request.user, **form.service_kwargs())
        except DomainError as exc:
            if exc.fields:
                add_domain_error(form, exc)
            else:
                # Not about the input (the order moved on meanwhile): say so above the list.
                messages.error(request, exc.message)
                return redirect(_back(request, reverse("shipping:packed")))
        else:
            messages.success(
                request,
                _("Order %(number)s was handed to %(carrier)s.")
                % {"number": order.number, "carrier": form.service_kwargs()["carrier"].name},
            )
            return redirect(_back(request, reverse("shipping:packed")))
    return _packed_page(request, bound={order.pk: form}, status=400)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def in_transit(request):
    """Process 4.3: shipped orders waiting for the customer's signature."""
    page = Paginator(selectors.orders_in_transit(), settings.ORDERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _in_transit_page(request, page=page)


def _in_transit_page(request, *, page, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    rows = [
        {
            "order": order,
            "form": bound.get(order.pk) or forms.DeliveryForm(prefix=f"deliver-{order.pk}"),
        }
        for order in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "can_deliver": request.user.has_perm("orders.deliver_order"),
        "tab": "in_transit",
    }
    return render(request, "shipping/in_transit.html", context, status=status)


@login_required
@permission_required("orders.deliver_order", raise_exception=True)
@require_POST
def deliver(request, number: str):
    visible = order_selectors.orders_visible_to(user=request.user)
    order = selectors.orders_in_transit().filter(pk__in=visible, number=number).first()
    if order is None:
        _refuse_moved_on(request, visible, number)
        return redirect(_back(request, reverse("shipping:in_transit")))
    form = forms.DeliveryForm(request.POST, prefix=f"deliver-{order.pk}")
    if form.is_valid():
        try:
            services.order_confirm_delivery(
                order=order,
                user=request.user,
                signed_by=form.cleaned_data["signed_by"].strip(),
                delivered_at=form.cleaned_data["delivered_at"],
            )
        except DomainError as exc:
            if not exc.fields:
                messages.error(request, exc.message)
                return redirect(_back(request, reverse("shipping:in_transit")))
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Delivery of order %(number)s was confirmed.") % {"number": order.number},
            )
            return redirect(_back(request, reverse("shipping:in_transit")))
    page = Paginator(selectors.orders_in_transit(), settings.ORDERS_PAGE_SIZE).get_page(
        request.POST.get("page")
    )
    return _in_transit_page(request, page=page, bound={order.pk: form}, status=400)


# --- documents -------------------------------------------------------------------


@login_required
@require_GET
def document(request, pk: int):
    """The stored PDF, shown in the browser, to whoever may view its order;
    404 for anyone else (not even whether it exists)."""
    doc = selectors.documents_visible_to(user=request.user).filter(pk=pk).first()
    if doc is None:
        raise Http404(_("No such document."))
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("No such document.")) from exc
    filename = f"{doc.order.number}-{doc.kind}.pdf"
    return FileResponse(handle, content_type="application/pdf", filename=filename)


# --- the day's hand-over manifest (process 4.1) ----------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def manifest_view(request):
    """One carrier's hand-over for one local date: the page, or its PDF
    (``format=pdf``, with the driver's signature line) or CSV (``format=csv``)."""
    carriers = list(selectors.carriers_all())
    data = request.GET.copy()
    data.setdefault("date", timezone.localdate().isoformat())
    if carriers and not data.get("carrier"):
        data["carrier"] = _carrier_of_the_day(carriers, data["date"]).code
    form = forms.ManifestForm(data, carriers=carriers)
    sheet = None
    if form.is_valid():
        carrier = form.carriers[form.cleaned_data["carrier"]]
        sheet = manifest.Manifest.build(carrier=carrier, day=form.cleaned_data["date"])
        fmt = request.GET.get("format", "")
        if fmt == "csv":
            return _download(
                manifest.render_csv(sheet), "text/csv; charset=utf-8", sheet.filename("csv")
            )
        if fmt == "pdf":
            return _download(manifest.render_pdf(sheet), "application/pdf", sheet.filename("pdf"))
    context = {"form": form, "sheet": sheet, "tab": "manifest"}
    return render(request, "shipping/manifest.html", context, status=200 if sheet else 400)


def _carrier_of_the_day(carriers: list[Carrier], raw_date: str) -> Carrier:
    """Open on the carrier that took the most shipments that day."""
    try:
        day = datetime.date.fromisoformat(raw_date)
    except ValueError:
        return carriers[0]
    return selectors.carrier_busiest_on(day=day) or carriers[0]


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
