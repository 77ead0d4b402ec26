"""The warehouse tablet screens (process 3.1–3.3): the queue, pick with
scan-to-confirm, quality check, pack and print.

Thin views, like the sales UI's: forms validate, every write is a call to
``warehouse.services`` (the stage's rules; the core owns the state machine), and a
``DomainError`` becomes a banner the picker can read at arm's length, never a
500. Actions redirect back to their screen (post/redirect/get), so a reload
never records a scan twice.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory import selectors as inventory_selectors
from inventory.exceptions import UnknownProductCode
from orders.models import Order, OrderLine, OrderStatus
from orders_site.errors import DomainError
from orders_site.forms import add_domain_error, domain_error_text

from . import forms, selectors, services

S = OrderStatus
# What the warehouse has to do, in the process's order (process 3.1–3.3).
QUEUE_STATUSES = [S.APPROVED, S.PICKING, S.QUALITY_CHECK, S.PACKING]
# A tablet list longer than this is a problem to raise, not to scroll through.
QUEUE_LIMIT = 100
SCREENS = {
    S.APPROVED: "warehouse:pick",
    S.PICKING: "warehouse:pick",
    S.QUALITY_CHECK: "warehouse:qc",
    S.PACKING: "warehouse:pack",
    S.PACKED: "warehouse:pack",
}
# The step shown in a screen's head: 1 pick, 2 check, 3 pack, 4 all done.
STEPS = {
    S.APPROVED: 1,
    S.PICKING: 1,
    S.QUALITY_CHECK: 2,
    S.PACKING: 3,
    S.PACKED: 4,
    S.SHIPPED: 4,
    S.DELIVERED: 4,
    S.COMPLETED: 4,
}
NEXT_STEP = {
    S.APPROVED: gettext_lazy("Start picking"),
    S.PICKING: gettext_lazy("Continue picking"),
    # The action, not the status: "质检", where the status reads "质检中".
    S.QUALITY_CHECK: pgettext_lazy("warehouse step to take", "Quality check"),
    S.PACKING: gettext_lazy("Pack"),
    S.PACKED: gettext_lazy("Documents"),
}


def warehouse_view(view):
    """Logged in and in the Warehouse role (``orders.pick_order``); anyone
    else gets 403. The services check each step's own permission again."""

    @wraps(view)
    @login_required
    @permission_required("orders.pick_order", raise_exception=True)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


# --- reads ------------------------------------------------------------------


def _order(number: str) -> Order:
    """The order with what the screen head shows: its step and where it goes next."""
    order = get_object_or_404(Order.objects.select_related("customer"), number=number)
    order.step = STEPS.get(order.status, 0)
    order.screen_url = screen_url(order) if order.status in SCREENS else ""
    order.next_step = NEXT_STEP.get(order.status, "")
    return order


def screen_url(order: Order) -> str:
    """The screen where the order's next warehouse step is taken."""
    return reverse(SCREENS.get(order.status, "warehouse:pick"), args=[order.number])


def _document_url(document) -> str:
    # Logistics serves documents through a checked download view; until that
    # exists, the stored file's own URL.
    try:
        return reverse("shipping:document", args=[document.pk])
    except NoReverseMatch:
        return document.file.url


def _documents(order: Order) -> list:
    """The newest document of each kind (a re-pack keeps the older set)."""
    latest = {}
    for document in order.documents.order_by("-pk"):
        latest.setdefault(document.kind, document)
    documents = sorted(latest.values(), key=lambda d: d.pk)
    for document in documents:
        document.url = _document_url(document)
    return documents


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the queue --------------------------------------------------------------


@warehouse_view
@require_GET
def queue(request):
    orders = list(selectors.warehouse_queue(statuses=QUEUE_STATUSES)[: QUEUE_LIMIT + 1])
    for order in orders:
        order.next_step = NEXT_STEP[order.status]
        order.url = screen_url(order)
    return render(
        request,
        "warehouse/queue.html",
        {
            "orders": orders[:QUEUE_LIMIT],
            "more": len(orders) > QUEUE_LIMIT,
            "limit": QUEUE_LIMIT,
            "today": timezone.localdate(),
        },
    )


@warehouse_view
@require_GET
def find(request):
    """The scan field outside the pick screen: scan the order number (the
    barcode on the packing slip) or type it, and go to its screen."""
    code = request.GET.get("code", "").strip()[:40]
    if not code:
        return redirect("warehouse:queue")
    order = Order.objects.filter(number__iexact=code).first()
    if order is None:
        messages.error(request, _("No order has number %(code)s.") % {"code": code})
        return redirect("warehouse:queue")
    if order.status not in SCREENS:
        messages.error(
            request,
            _("Order %(number)s is %(status)s: there is nothing for the warehouse to do.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect("warehouse:queue")
    return redirect(screen_url(order))


# --- pick (process 3.1) -------------------------------------------------------


@warehouse_view
@require_GET
def pick(request, number: str):
    order = _order(number)
    lines = selectors.pick_list(order=order)
    try:
        scanned = int(request.GET.get("line", ""))
    except ValueError:
        scanned = None
    shortage = None
    if order.status == S.SUBMITTED:
        shortage = order.shortages.select_related("line__product", "reported_by").first()
    return render(
        request,
        "warehouse/pick.html",
        {
            "order": order,
            "lines": lines,
            "scanned": scanned,
            "scan_form": forms.ScanForm(),
            "units": sum(line.quantity for line in lines),
            "units_picked": sum(line.picked_quantity for line in lines),
            "can_finish": bool(lines) and all(line.done for line in lines),
            "shortage": shortage,
        },
    )


def _pick_url(order: Order, line: OrderLine | None = None) -> str:
    url = reverse("warehouse:pick", args=[order.number])
    # The scanned line is marked (and scrolled to, if out of sight) by its id.
    return f"{url}?line={line.pk}" if line else url


@warehouse_view
@require_POST
def start(request, number: str):
    order = _order(number)
    try:
        services.order_start_picking(order=order, user=request.user)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, _("Picking started. Scan each product as you take it."))
    return redirect(_pick_url(order))


@warehouse_view
@require_POST
def scan(request, number: str):
    """One scan: find the product by the code on its label (barcode, SKU or
    alternative code) and confirm it as picked. A product not on the order,
    an unknown code or more than ordered is refused by the service (or here,
    for an unknown code, saying where it looked) and nothing is recorded."""
    order = _order(number)
    form = forms.ScanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_pick_url(order))
    code = form.cleaned_data["code"]
    product = inventory_selectors.product_by_code(code=code)
    if product is None:
        messages.error(request, UnknownProductCode(code).message)
        return redirect(_pick_url(order))
    try:
        line = services.order_record_pick(
            order=order, user=request.user, product=product, quantity=form.cleaned_data["quantity"]
        )
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
        return redirect(_pick_url(order))
    progress = _("%(sku)s %(name)s: %(picked)s of %(quantity)s picked.") % {
        "sku": product.sku,
        "name": product.name,
        "picked": line.picked_quantity,
        "quantity": line.quantity,
    }
    if not order.lines.filter(picked_quantity__lt=F("quantity")).exists():
        progress = " ".join([progress, _("Everything is picked: tap Finish picking.")])
    elif line.picked_quantity == line.quantity:
        progress = " ".join([progress, _("This line is complete.")])
    messages.success(request, progress)
    return redirect(_pick_url(order, line))


@warehouse_view
@require_POST
def finish(request, number: str):
    order = _order(number)
    try:
        services.order_finish_picking(order=order, user=request.user)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
        return redirect(_pick_url(order))
    messages.success(request, _("Picking finished. Now check the goods."))
    return redirect("warehouse:qc", number=order.number)


@warehouse_view
@require_http_methods(["GET", "POST"])
def shortage(request, number: str, line_id: int):
    """Process 3.1: a line is not on the shelf; the order goes back to the
    manager's review instead of shipping short."""
    order = _order(number)
    line = get_object_or_404(order.lines.select_related("product"), pk=line_id)
    if order.status != S.PICKING and request.method == "GET":
        return redirect(_pick_url(order))  # which says where the order is now
    form = forms.ShortageForm(request.POST or None, line=line)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.order_report_shortage(
                    order=order, user=request.user, **form.service_kwargs()
                )
            except DomainError as exc:
                add_domain_error(form, exc, top=False)
                messages.error(request, domain_error_text(exc))
                status = exc.status
            else:
                messages.warning(
                    request,
                    _(
                        "Shortage reported. Order %(number)s went back to the sales manager "
                        "for review, and its reserved stock was released."
                    )
                    % {"number": order.number},
                )
                return redirect(_pick_url(order))
        else:
            messages.error(
                request, _("Check the shortage report: %(errors)s") % {"errors": _form_errors(form)}
            )
            status = 400
    return render(
        request,
        "warehouse/shortage.html",
        {"order": order, "line": line, "form": form},
        status=status,
    )


# --- quality check (process 3.2) ---------------------------------------------


@warehouse_view
@require_http_methods(["GET", "POST"])
def qc(request, number: str):
    order = _order(number)
    lines = list(order.lines.select_related("product"))
    form = forms.QualityCheckForm(request.POST or None, lines=lines)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            failing = form.cleaned_data["decision"] == form.FAIL
            try:
                if failing:
                    services.order_fail_qc(order=order, user=request.user, **form.fail_kwargs())
                else:
                    services.order_pass_qc(order=order, user=request.user, **form.pass_kwargs())
            except DomainError as exc:
                add_domain_error(form, exc, top=False)
                messages.error(request, domain_error_text(exc))
                status = exc.status
            else:
                if failing:
                    messages.warning(
                        request,
                        _("Quality check failed. Order %(number)s goes back to picking.")
                        % {"number": order.number},
                    )
                    return redirect(_pick_url(order))
                messages.success(
                    request,
                    _("Quality check passed. Order %(number)s can be packed.")
                    % {"number": order.number},
                )
                return redirect("warehouse:pack", number=order.number)
        else:
            messages.error(request, _form_errors(form))
            status = 400
    return render(
        request,
        "warehouse/qc.html",
        {"order": order, "lines": lines, "form": form},
        status=status,
    )


# --- pack (process 3.3) -------------------------------------------------------


@warehouse_view
@require_http_methods(["GET", "POST"])
def pack(request, number: str):
    order = _order(number)
    packages = forms.PackageFormSet(request.POST or None, prefix="packages")
    status = 200
    if request.method == "POST":
        if packages.is_valid():
            try:
                services.order_pack(
                    order=order, user=request.user, packages=forms.packages_from(packages)
                )
            except DomainError as exc:
                messages.error(request, domain_error_text(exc))
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Order %(number)s is packed. Print the packing slip and the labels.")
                    % {"number": order.number},
                )
                return redirect("warehouse:pack", number=order.number)
        else:
            messages.error(request, _("Check the packages: each needs a weight above zero."))
            status = 400
    return render(
        request,
        "warehouse/pack.html",
        {
            "order": order,
            "packages": packages,
            "recorded": order.packages.all() if order.status != S.PACKING else [],
            "documents": _documents(order) if order.status != S.PACKING else [],
            "lines": order.lines.select_related("product"),
        },
        status=status,
    )
