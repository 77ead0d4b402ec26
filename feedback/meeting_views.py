"""The improvement meetings under ``/improvement/`` (process 6.1): the
meetings with their attendees and minutes, the action items they decide,
and "My actions", where owners move their actions on.

Thin views, as in ``feedback.views``: forms validate, every write is a call
to ``feedback.services`` through ``form_submit``, reads come from
``feedback.selectors``; the state machine of ``ActionItem`` says which
statuses an action's menu offers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders_site.errors import DomainError
from orders_site.forms import person_name
from orders_site.web import form_submit

from . import forms, selectors, services
from .models import ActionItem, Meeting
from .views import _page


def _safe_next(request) -> str:
    """``next`` from the form, only if it stays on this site."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@login_required
@permission_required("feedback.view_meeting", raise_exception=True)
@require_GET
def meeting_list(request):
    page = _page(request, selectors.meeting_list())
    context = {"improvement_tab": "meetings", "page": page}
    return render(request, "feedback/meeting_list.html", context)


def _meeting_form_page(request, *, meeting: Meeting | None):
    initial = forms.MeetingForm.initial_for(meeting) if meeting else {}
    if meeting is None:
        initial = {"held_on": timezone.localdate()}
    form = forms.MeetingForm(request.POST or None, initial=initial)

    def page(status: int = 200):
        context = {"improvement_tab": "meetings", "form": form, "meeting": meeting}
        return render(request, "feedback/meeting_form.html", context, status=status)

    def call():
        if meeting is None:
            saved.append(services.meeting_create(user=request.user, **form.cleaned_data))
        else:
            saved.append(
                services.meeting_update(meeting=meeting, user=request.user, **form.cleaned_data)
            )

    if request.method != "POST":
        return page()
    saved: list[Meeting] = []
    return form_submit(
        request,
        form=form,
        call=call,
        done=_("The meeting was saved."),
        # The meeting's page; the list when the service refused.
        success_url=lambda: (
            reverse("feedback:meeting_detail", args=[saved[0].pk])
            if saved
            else reverse("feedback:meetings")
        ),
        invalid=lambda: page(400),
    )


@login_required
@permission_required("feedback.add_meeting", raise_exception=True)
def meeting_create(request):
    return _meeting_form_page(request, meeting=None)


def _meeting_or_404(pk: int) -> Meeting:
    try:
        return selectors.meeting_detail(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


@login_required
@permission_required("feedback.change_meeting", raise_exception=True)
def meeting_edit(request, pk: int):
    return _meeting_form_page(request, meeting=_meeting_or_404(pk))


def _meeting_context(request, meeting: Meeting, *, action_form=None) -> dict:
    user = request.user
    today = timezone.localdate()
    actions = list(meeting.actions.all())
    for item in actions:
        item.overdue = item.is_open and item.due_on < today
        item.changeable = selectors.may_change_action(item=item, user=user)
        item.status_choices = selectors.action_status_choices(item=item)
    can_add = user.has_perm("feedback.add_actionitem")
    return {
        "improvement_tab": "meetings",
        "meeting": meeting,
        "actions": actions,
        "action_form": (action_form or forms.ActionItemForm(prefix="action")) if can_add else None,
    }


@login_required
@permission_required("feedback.view_meeting", raise_exception=True)
@require_GET
def meeting_detail(request, pk: int):
    meeting = _meeting_or_404(pk)
    return render(request, "feedback/meeting_detail.html", _meeting_context(request, meeting))


@login_required
@permission_required("feedback.add_actionitem", raise_exception=True)
@require_POST
def action_add(request, pk: int):
    meeting = _meeting_or_404(pk)
    form = forms.ActionItemForm(request.POST, prefix="action")

    def invalid():
        context = _meeting_context(request, meeting, action_form=form)
        return render(request, "feedback/meeting_detail.html", context, status=400)

    return form_submit(
        request,
        form=form,
        call=lambda: services.action_item_add(
            meeting=meeting, user=request.user, **form.cleaned_data
        ),
        done=lambda item: (
            _("Action added for %(owner)s, due %(due)s.")
            % {"owner": person_name(item.owner), "due": item.due_on.isoformat()}
        ),
        success_url=reverse("feedback:meeting_detail", args=[meeting.pk]) + "#actions",
        invalid=invalid,
    )


@login_required
@permission_required("feedback.view_actionitem", raise_exception=True)
@require_POST
def action_status(request, pk: int):
    """The owner (or a manager) moves an action on; back to the page it came
    from (the meeting or "My actions")."""
    try:
        item = ActionItem.objects.select_related("meeting").get(pk=pk)
    except ActionItem.DoesNotExist:
        raise Http404 from None
    back = _safe_next(request) or reverse("feedback:meeting_detail", args=[item.meeting_id])
    form = forms.ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(back)
    try:
        services.action_item_set_status(
            item=item, user=request.user, status=form.cleaned_data["status"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(title)s” is now %(status)s.")
            % {"title": item.title, "status": item.get_status_display().lower()},
        )
    return redirect(back)


@login_required
@permission_required("feedback.view_actionitem", raise_exception=True)
@require_GET
def my_actions(request):
    """Process 6.1: the user's open actions, overdue ones first and flagged;
    managers also see everyone's overdue actions."""
    today = timezone.localdate()
    mine = list(selectors.actions_open_for(user=request.user))
    everyone = (
        list(selectors.actions_overdue(today=today))
        if request.user.has_perm("feedback.change_actionitem")
        else None
    )
    for item in [*mine, *(everyone or [])]:
        item.days_overdue = (today - item.due_on).days
        item.overdue = item.days_overdue > 0
    for item in mine:
        item.changeable = True  # the owner's own
        item.status_choices = selectors.action_status_choices(item=item)
    return render(
        request,
        "feedback/my_actions.html",
        {
            "improvement_tab": "actions",
            "mine": mine,
            "overdue_count": sum(1 for item in mine if item.overdue),
            "everyone": everyone,
        },
    )
