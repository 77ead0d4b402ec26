"""After-sales web pages: the customer's survey (no login) and the
follow-up lists for sales and after-sales staff (process 5.1); the case
pages and the returns on them are in ``case_views``. Thin views: forms
validate, every write is a call to ``aftersales.services``, reads come from
``aftersales.selectors``. A refusal is a message on the page (input the
service refuses comes back as the form with its field errors, status 400),
never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from orders_site.errors import DomainError

from . import selectors, services
from .exceptions import SurveyLinkInvalid
from .forms import FollowUpForm, SurveyForm
from .models import FollowUp


def survey(request, token: str):
    """The customer's satisfaction survey, in the customer's language; the
    link works once and until it expires."""
    try:
        current = services.survey_for_token(token)
    except SurveyLinkInvalid as exc:
        return render(
            request, "aftersales/survey_closed.html", {"message": exc.message}, status=410
        )
    language = current.order.customer.preferred_language
    with translation.override(language):
        form = SurveyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.survey_answer(token=token, **form.cleaned_data)
            except SurveyLinkInvalid as exc:
                return render(
                    request, "aftersales/survey_closed.html", {"message": exc.message}, status=410
                )
            return render(request, "aftersales/survey_thanks.html", {"order": current.order})
        status = 400 if request.method == "POST" else 200
        return render(
            request,
            "aftersales/survey.html",
            {"form": form, "order": current.order, "language": language},
            status=status,
        )


SCOPES = ["due", "upcoming", "done"]


@login_required
@permission_required("aftersales.view_followup", raise_exception=True)
def follow_ups(request):
    """Process 5.1: the calls due today or overdue (and later, and done)."""
    scope = request.GET.get("scope", "due")
    scope = scope if scope in SCOPES else "due"
    everyone = request.user.has_perm("aftersales.handle_case") and request.GET.get("mine") != "1"
    items = selectors.follow_ups_for(user=request.user, scope=scope, everyone=everyone)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.days_overdue = (today - item.due_on).days
        item.can_record = selectors.can_record(item)
    return render(
        request,
        "aftersales/follow_ups.html",
        {"page": page, "scope": scope, "everyone": everyone, "form": FollowUpForm()},
    )


@login_required
@permission_required("aftersales.change_followup", raise_exception=True)
def follow_up_record(request, pk: int):
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("order", "order__customer"), pk=pk
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(follow_up=follow_up, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Follow-up of order %(number)s recorded.") % {"number": follow_up.order.number},
            )
            return redirect(_safe_next(request) or reverse("aftersales:follow_ups"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "aftersales/follow_up_form.html",
        {"form": form, "follow_up": follow_up, "can_record": selectors.can_record(follow_up)},
        status=status,
    )


def _safe_next(request) -> str:
    """``next`` from the form, only if it stays on this site."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""
