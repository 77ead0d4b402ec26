"""The managers' dashboard (issue 7 item 2, process 4.2): lead times per
stage, the process rates, what staff say about each stage, the orders stuck
in a stage for longer than its target, and the targets themselves.

The views only: the figures are ``feedback.dashboard_figures`` (from
``feedback.analytics``), the forms ``feedback.dashboard_forms``, the exports
``feedback.dashboard_tables``. Every number the charts draw is also in a
table, so the page is complete without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders_site.errors import DomainError
from orders_site.forms import add_domain_error

from . import exports
from .dashboard_figures import (
    GROUP_LABELS,
    RATES,
    Period,
    _chart_label,
    _stage_label,
    approximate_error,
    chart_data,
    feedback_summary,
    lead_time_pivot,
    lead_time_rows,
    other_feedback,
    rate_rows,
    stuck_rows,
)
from .dashboard_forms import DashboardFilterForm, StageTargetsForm
from .dashboard_tables import FORMATS, TABLES, export_table
from .exports import Table
from .models import Stage
from .targets import stage_targets_current, stage_targets_update, target_stages


def _context(request, *, filters: DashboardFilterForm, targets_form=None) -> dict[str, Any]:
    context: dict[str, Any] = {"form": filters, "period": None}
    targets = stage_targets_current()
    if targets_form is None and request.user.has_perm("feedback.change_stagetarget"):
        targets_form = StageTargetsForm(targets=targets)
    context["targets_form"] = targets_form
    context["stuck"] = stuck_rows()
    if not filters.is_valid():
        return context
    period = filters.period()
    grouped = bool(period.group_by)
    feedback = feedback_summary(period=period)
    lead_times = lead_time_rows(period=period, targets=targets, feedback=feedback)
    rates = rate_rows(period=period, grouped=grouped)
    pivot = lead_time_pivot(period=period) if grouped else []
    context.update(
        period=period,
        group_label=GROUP_LABELS.get(period.group_by, period.group_by) if grouped else "",
        lead_times=lead_times,
        lead_times_error=approximate_error(lead_times),
        pivot=pivot,
        pivot_error=approximate_error(pivot),
        stages=[(s, _stage_label(s), _chart_label(_stage_label(s))[0]) for s in Stage.values],
        other_feedback=other_feedback(feedback),
        rates=rates,
        rate_columns=RATES,
        rates_total=rate_rows(period=period, grouped=False)[0] if grouped and rates else None,
        chart=chart_data(lead_times=lead_times, rates=rates, grouped=grouped),
        exports=_export_links(period),
    )
    return context


def _export_links(period: Period) -> dict[str, dict[str, str]]:
    url = reverse("feedback:dashboard")
    return {
        table: {fmt: f"{url}?{period.query(table=table, format=fmt)}" for fmt in FORMATS}
        for table in TABLES
    }


@login_required
@permission_required("feedback.view_orderfact", raise_exception=True)
@require_GET
def dashboard(request):
    """The page, or one of its tables as a file (``?table=…&format=csv|xlsx``)."""
    filters = DashboardFilterForm(request.GET)
    fmt, table_name = request.GET.get("format"), request.GET.get("table")
    if fmt or table_name:
        if fmt not in FORMATS or table_name not in TABLES:
            raise Http404("No such export.")
        if filters.is_valid():
            return _download(export_table(table_name, period=filters.period()), fmt, filters)
    context = _context(request, filters=filters)
    return render(
        request, "feedback/dashboard.html", context, status=200 if filters.is_valid() else 400
    )


def _download(table: Table, fmt: str, filters: DashboardFilterForm) -> HttpResponse:
    period = filters.period()
    if fmt == "csv":
        content = exports.render_csv(table)
    else:
        subtitle = f"{period.date_from.isoformat()} – {period.date_to.isoformat()}"
        content = exports.render_xlsx(table, subtitle=subtitle)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    filename = table.filename(date_from=period.date_from, date_to=period.date_to, ext=fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("feedback.change_stagetarget", raise_exception=True)
@require_POST
def targets_save(request):
    """Save the stage targets, then back to the dashboard on the same period."""
    filters = DashboardFilterForm(
        {k: request.POST[k] for k in ("date_from", "date_to", "group_by") if request.POST.get(k)}
    )
    form = StageTargetsForm(request.POST, targets=stage_targets_current())
    if form.is_valid():
        try:
            changed = stage_targets_update(
                targets={s: form.cleaned_data[s] for s in target_stages()}, user=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if changed:
                messages.success(request, _("The stage targets were saved."))
            else:
                messages.info(request, _("The stage targets are unchanged."))
            url = reverse("feedback:dashboard")
            query = filters.period().query() if filters.is_valid() else ""
            return redirect(f"{url}?{query}#targets" if query else f"{url}#targets")
    context = _context(request, filters=filters, targets_form=form)
    return render(request, "feedback/dashboard.html", context, status=400)
