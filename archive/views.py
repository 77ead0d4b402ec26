"""The archive's pages (documentation 5): the search, the yearly review and
the dossier of any order the user may view, as JSON or PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import ArchiveRecord, Order
from orders_site.errors import DomainError
from orders_site.forms import domain_error_text

from . import dossier, forms, selectors


@login_required
@permission_required("orders.view_archiverecord", raise_exception=True)
@require_GET
def archive_search(request):
    """Documentation 5.3: find archived orders by number, customer, product,
    order date and final status, newest order first."""
    form = forms.ArchiveSearchForm(request.GET or None)
    results = selectors.archive_search(user=request.user, filters=form.filters())
    page = Paginator(results, settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "archive/archive_search.html",
        {"form": form, "page": page, "filtered": bool(form.is_bound and form.filters())},
    )


def _reviews_page(request, *, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    due = selectors.archive_reviews_due()
    page = Paginator(due, settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "record": record,
            "overdue_days": (today - record.next_review_on).days,
            "form": bound.get(record.pk) or forms.ArchiveReviewForm(prefix=f"record-{record.pk}"),
        }
        for record in page
    ]
    context = {"page": page, "rows": rows, "interval": settings.ARCHIVE_REVIEW_INTERVAL_DAYS}
    return render(request, "archive/archive_reviews.html", context, status=status)


@login_required
@permission_required("orders.review_archive", raise_exception=True)
@require_GET
def archive_reviews(request):
    """Documentation 5.2: archived records due for their review, the longest
    overdue first, each with the form that records its review."""
    return _reviews_page(request)


@login_required
@permission_required("orders.review_archive", raise_exception=True)
@require_POST
def archive_review(request, pk: int):
    record = get_object_or_404(ArchiveRecord.objects.select_related("order"), pk=pk)
    form = forms.ArchiveReviewForm(request.POST, prefix=f"record-{record.pk}")
    if not form.is_valid():
        return _reviews_page(request, bound={record.pk: form}, status=400)
    try:
        order_services.archive_review_record(record=record, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(
            request,
            _("Review of %(number)s recorded; next review on %(date)s.")
            % {"number": record.order.number, "date": record.next_review_on.isoformat()},
        )
    return redirect("archive:archive_reviews")


def _dossier_bundle(request, number: str) -> dict:
    """The dossier of an order this user may see (404 otherwise, as for the
    order page); its documents link to the web download."""
    try:
        order = dossier.dossier_order(
            orders=order_selectors.orders_visible_to(user=request.user), number=number
        )
    except Order.DoesNotExist as exc:
        raise Http404(number) from exc
    return dossier.dossier_build(
        order=order,
        document_url=lambda doc: request.build_absolute_uri(
            reverse("shipping:document", args=[doc.pk])
        ),
    )


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_GET
def dossier_json(request, number: str):
    """Documentation 5.1: everything recorded about the order, as JSON."""
    bundle = _dossier_bundle(request, number)
    response = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{number}-dossier.json"'
    return response


@login_required
@permission_required("orders.view_order", raise_exception=True)
@require_GET
def dossier_pdf(request, number: str):
    """The same dossier as a PDF, in the reader's language."""
    bundle = _dossier_bundle(request, number)
    response = HttpResponse(dossier.dossier_pdf(bundle=bundle), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}-dossier.pdf"'
    return response
