"""The case pages (process 5.2): the list, opening a case on an order, the
case page with its history, steps, reassignment and the returns recorded
on it (received, inspected, cancelled by the warehouse). Every form goes
through the shared ``orders_site.web.form_submit``; the steps offered are
those the case's and each return's state machine allow."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from orders import selectors as order_selectors
from orders.models import OrderStatus
from orders_site.web import form_submit

from . import forms, selectors, services
from .models import Case, Return

# --- cases (process 5.2) ---------------------------------------------------------

#: The buttons of the case's steps, in the order the page shows them.
CASE_STEP_LABELS = {
    "start": gettext_lazy("Start work"),
    "wait_for_customer": gettext_lazy("Wait for the customer"),
    "resume": gettext_lazy("Customer answered"),
    "resolve": gettext_lazy("Resolve"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
}
PRIMARY_STEPS = {"start", "resume", "resolve", "close"}


def _case_or_404(request, pk: int) -> Case:
    try:
        return selectors.case_detail(pk=pk, user=request.user)
    except Case.DoesNotExist:
        raise Http404 from None


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("aftersales:case_detail", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@permission_required("aftersales.view_case", raise_exception=True)
@require_GET
def case_list(request):
    """Process 5.2: the open cases (by default), filtered and searched."""
    form = forms.CaseFilterForm(request.GET or None)
    filters = form.filters()
    cases = selectors.case_list(user=request.user, filters=filters)
    page = Paginator(cases, settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    quick = {(): "open", ("mine",): "mine", ("overdue",): "overdue"}.get(tuple(filters), "")
    return render(
        request,
        "aftersales/case_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "quick": quick,
            "status_label": dict(form.fields["status"].choices).get(filters.get("status", "")),
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required("aftersales.add_case", raise_exception=True)
def case_create(request):
    """Open a case on an order (``?order=<number>``); the form is the case's
    type, subject, department, owner, the lines concerned and the due date.
    Without an order (the address typed or cut short) the page says where
    cases are opened and asks for the order's number; a number no visible
    order has is asked again (404)."""
    number = request.GET.get("order", "").strip()
    if not number:
        return render(request, "aftersales/case_start.html", {"number": ""})
    order = (
        order_selectors.orders_visible_to(user=request.user)
        .select_related("customer")
        .filter(number=number)
        .first()
    )
    if order is None:
        return render(
            request, "aftersales/case_start.html", {"number": number, "unknown": True}, status=404
        )
    order_url = reverse("orders:detail", args=[order.number])
    if not selectors.can_open_case(order=order, user=request.user):
        # Not offered on the order page; a post anyway (a stale page) gets
        # the same answer. ``case_open`` refuses these orders itself too.
        messages.error(
            request,
            _("No case can be opened on order %(number)s while it is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect(order_url)
    form = forms.CaseForm(request.POST or None, order=order, user=request.user)

    def page(status: int = 200):
        context = {"form": form, "order": order}
        return render(request, "aftersales/case_form.html", context, status=status)

    if request.method != "POST":
        return page()
    opened: list[Case] = []

    def call() -> Case:
        opened.append(services.case_open(order=order, user=request.user, **form.service_kwargs()))
        return opened[0]

    return form_submit(
        request,
        form=form,
        call=call,
        done=lambda case: (
            _("Case %(number)s was opened on order %(order)s.")
            % {"number": case.number, "order": order.number}
        ),
        # Opened: the case; refused other than for the input (the archive): the order.
        success_url=lambda: _case_url(opened[0]) if opened else order_url,
        invalid=lambda: page(400),
    )


def _case_context(request, case: Case, *, bound: dict | None = None) -> dict:
    """Everything the case page shows; ``bound`` holds a submitted form the
    service or the form refused, to show again with its errors."""
    bound = bound or {}
    user = request.user
    order = case.order
    # The archive makes everything read-only; the services refuse any write
    # anyway, the page just does not offer one.
    writable = order.status != OrderStatus.ARCHIVED
    steps = [
        {
            "name": name,
            "label": CASE_STEP_LABELS[name],
            "style": "primary" if name in PRIMARY_STEPS else "secondary",
        }
        for name in selectors.case_available_transitions(case=case, user=user)
    ]
    returns = list(selectors.case_returns(case=case))
    for item in returns:
        # What the return's state machine allows now, for a role that handles returns.
        allowed = selectors.return_available_transitions(
            return_request=item, user=user, order=order
        )
        item.can_receive = "receive" in allowed
        item.can_cancel = "cancel" in allowed
        item.inspect_form = None
        if "inspect" in allowed:
            item.inspect_form = bound.get(f"inspect-{item.pk}") or forms.ReturnInspectForm(
                prefix=f"inspect-{item.pk}", return_request=item, lines=list(item.lines.all())
            )
    # A refused return is shown again even where the page would not offer
    # one (the order has not shipped yet), so its errors are seen.
    return_form = bound.get("return")
    if (
        return_form is None
        and writable
        and user.has_perm("aftersales.add_return")
        and order.status in selectors.SHIPPED_STATUSES
    ):
        return_form = forms.ReturnForm(
            prefix="return", lines=selectors.returnable_lines(order=order)
        )
    can_add_entry = writable and user.has_perm("aftersales.add_caseentry")
    can_assign = writable and user.has_perm("aftersales.handle_case")
    return {
        "case": case,
        "order": order,
        "customer": order.customer,
        "writable": writable,
        "overdue": case.is_open and case.due_on < timezone.localdate(),
        "lines": selectors.case_lines(case=case),
        "entries": selectors.case_entries(case=case),
        "returns": returns,
        "steps": steps,
        "resolve_form": bound.get("resolve") or forms.CaseResolveForm(prefix="resolve"),
        "entry_form": (bound.get("entry") or forms.CaseEntryForm(prefix="entry"))
        if can_add_entry
        else None,
        "assign_form": (bound.get("assign") or forms.CaseAssignForm(prefix="assign", case=case))
        if can_assign
        else None,
        "return_form": return_form,
        "open_form": next(iter(bound), ""),
    }


@login_required
@permission_required("aftersales.view_case", raise_exception=True)
@require_GET
def case_detail(request, pk: int):
    case = _case_or_404(request, pk)
    return render(request, "aftersales/case_detail.html", _case_context(request, case))


def _submit(request, case: Case, *, key: str, form, call, done: str, anchor: str = ""):
    """Every form on the case page goes through the shared ``form_submit``:
    an invalid form, or input the service refuses (status 400), re-renders
    the page with the errors and status 400; any other refusal (a wrong
    state, the archive, someone else's case) is a message; success is a
    message and a redirect, so a reload never posts twice."""

    def invalid():
        if case.order.status == OrderStatus.ARCHIVED:
            # The page offers no form on an archived order: say so instead.
            messages.error(
                request,
                _("Order %(number)s is archived and can no longer be changed.")
                % {"number": case.order.number},
            )
            return redirect(_case_url(case, anchor))
        context = _case_context(request, case, bound={key: form})
        return render(request, "aftersales/case_detail.html", context, status=400)

    # Which field a service's ``lines[i]`` means is known once the form has
    # built the service's input: read it after the call, into the mapping
    # ``form_submit`` places the errors by.
    names: dict[str, str] = {}

    def call_and_name():
        try:
            return call()
        finally:
            names.update(getattr(form, "error_names", dict)())

    return form_submit(
        request,
        form=form,
        call=call_and_name,
        done=done,
        success_url=_case_url(case, anchor),
        invalid=invalid,
        names=names,
    )


@login_required
@permission_required("aftersales.add_caseentry", raise_exception=True)
@require_POST
def case_entry(request, pk: int):
    """An internal note or a customer contact on the case's history."""
    case = _case_or_404(request, pk)
    form = forms.CaseEntryForm(request.POST, prefix="entry")
    return _submit(
        request,
        case,
        key="entry",
        form=form,
        call=lambda: services.case_add_entry(case=case, user=request.user, **form.cleaned_data),
        done=_("Added to case %(number)s.") % {"number": case.number},
        anchor="history",
    )


@login_required
@permission_required("aftersales.view_case", raise_exception=True)
@require_POST
def case_step(request, pk: int, name: str):
    """One step of the case's state machine. Who may take it (the owner or
    after-sales staff) and when is the service's and the model's to say."""
    if name not in CASE_STEP_LABELS:
        raise Http404(name)
    case = _case_or_404(request, pk)
    form = (
        forms.CaseResolveForm(request.POST, prefix="resolve")
        if name == "resolve"
        else forms.ConfirmForm(request.POST)
    )
    return _submit(
        request,
        case,
        key="resolve",
        form=form,
        call=lambda: services.case_transition(
            case=case, user=request.user, name=name, **form.cleaned_data
        ),
        done=_("Case %(number)s: %(step)s.")
        % {"number": case.number, "step": CASE_STEP_LABELS[name]},
    )


@login_required
@permission_required("aftersales.handle_case", raise_exception=True)
@require_POST
def case_assign(request, pk: int):
    case = _case_or_404(request, pk)
    form = forms.CaseAssignForm(request.POST, prefix="assign", case=case)
    return _submit(
        request,
        case,
        key="assign",
        form=form,
        call=lambda: services.case_assign(case=case, user=request.user, **form.cleaned_data),
        done=_("Case %(number)s was reassigned.") % {"number": case.number},
    )


# --- returns -----------------------------------------------------------------------


@login_required
@permission_required("aftersales.add_return", raise_exception=True)
@require_POST
def return_create(request, pk: int):
    """Goods the customer sends back, entered on the case."""
    case = _case_or_404(request, pk)
    form = forms.ReturnForm(
        request.POST, prefix="return", lines=selectors.returnable_lines(order=case.order)
    )
    return _submit(
        request,
        case,
        key="return",
        form=form,
        call=lambda: services.return_create(case=case, user=request.user, **form.service_kwargs()),
        done=_("The return was recorded; the warehouse receives it."),
        anchor="returns",
    )


def _return_or_404(pk: int) -> Return:
    return get_object_or_404(Return.objects.select_related("case"), pk=pk)


@login_required
@permission_required("aftersales.change_return", raise_exception=True)
@require_POST
def return_receive(request, pk: int):
    return_request = _return_or_404(pk)
    case = _case_or_404(request, return_request.case_id)
    return _submit(
        request,
        case,
        key="receive",
        form=forms.ConfirmForm(request.POST),
        call=lambda: services.return_receive(return_request=return_request, user=request.user),
        done=_("Return %(number)s was received.") % {"number": return_request},
        anchor="returns",
    )


@login_required
@permission_required("aftersales.change_return", raise_exception=True)
@require_POST
def return_inspect(request, pk: int):
    """Restock or scrap each line; restocked goods go back on hand."""
    return_request = _return_or_404(pk)
    case = _case_or_404(request, return_request.case_id)
    form = forms.ReturnInspectForm(
        request.POST,
        prefix=f"inspect-{return_request.pk}",
        return_request=return_request,
        lines=list(return_request.lines.select_related("order_line__product").order_by("pk")),
    )
    return _submit(
        request,
        case,
        key=f"inspect-{return_request.pk}",
        form=form,
        call=lambda: services.return_inspect(
            return_request=return_request, user=request.user, **form.service_kwargs()
        ),
        done=_("Return %(number)s was inspected.") % {"number": return_request},
        anchor="returns",
    )


@login_required
@permission_required("aftersales.change_return", raise_exception=True)
@require_POST
def return_cancel(request, pk: int):
    return_request = _return_or_404(pk)
    case = _case_or_404(request, return_request.case_id)
    return _submit(
        request,
        case,
        key="cancel",
        form=forms.ConfirmForm(request.POST),
        call=lambda: services.return_cancel(return_request=return_request, user=request.user),
        done=_("Return %(number)s was cancelled.") % {"number": return_request},
        anchor="returns",
    )
