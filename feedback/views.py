"""The improvement pages under ``/improvement/`` (process 4.1, 6.1, 6.2):
suggestions with votes, comments and a manager's decisions, the quarterly
leaderboard, and feedback on a stage of the process. The meetings and their
action items are ``feedback.meeting_views``.

Thin views: forms validate, every write is a call to ``feedback.services``,
reads come from ``feedback.selectors``. Input the service refuses comes back
as the page with the errors next to their field and status 400; any other
refusal (a role, one's own suggestion, a move already made) is a message and
a redirect, so a reload never posts twice; nothing is ever a 500."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from orders_site.forms import person_name
from orders_site.web import form_submit

from . import forms, selectors, services
from .models import Suggestion

#: The buttons of a manager's moves, and what the page says once made.
MOVE_LABELS = {
    "review": gettext_lazy("Take under review"),
    "accept": gettext_lazy("Accept"),
    "implement": gettext_lazy("Mark implemented"),
    "reject": gettext_lazy("Reject"),
}
MOVE_STYLES = {"review": "primary", "accept": "primary", "implement": "primary", "reject": "danger"}


def _page(request, items, size: int | None = None):
    return Paginator(items, size or settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))


# --- suggestions (process 6.2) -----------------------------------------------------


@login_required
@permission_required("feedback.view_suggestion", raise_exception=True)
@require_GET
def improvement_home(request):
    """``/improvement/``: the area opens on its suggestions, with the tabs."""
    return redirect("feedback:suggestions")


@login_required
@permission_required("feedback.view_suggestion", raise_exception=True)
@require_GET
def suggestion_list(request):
    """Every suggestion, newest or most voted first, filtered by status and stage."""
    form = forms.SuggestionFilterForm(request.GET or None)
    filters = form.filters()
    page = _page(request, selectors.suggestion_list(user=request.user, filters=filters))
    return render(
        request,
        "feedback/suggestion_list.html",
        {
            "improvement_tab": "suggestions",
            "form": form,
            "page": page,
            "filtered": bool({k for k in filters if k != "sort"}),
            "sort": filters.get("sort", "newest"),
        },
    )


@login_required
@permission_required("feedback.add_suggestion", raise_exception=True)
def suggestion_create(request):
    form = forms.SuggestionForm(request.POST or None)

    def page(status: int = 200):
        context = {"improvement_tab": "suggestions", "form": form}
        return render(request, "feedback/suggestion_form.html", context, status=status)

    if request.method != "POST":
        return page()
    saved: list[Suggestion] = []
    return form_submit(
        request,
        form=form,
        call=lambda: saved.append(
            services.suggestion_propose(user=request.user, **form.cleaned_data)
        ),
        done=_("Thank you: your suggestion was submitted. Colleagues can vote on it."),
        # The new suggestion's page; the list when the service refused.
        success_url=lambda: _suggestion_url(saved[0]) if saved else reverse("feedback:suggestions"),
        invalid=lambda: page(400),
    )


def _suggestion_or_404(request, pk: int) -> Suggestion:
    try:
        return selectors.suggestion_detail(pk=pk, user=request.user)
    except Suggestion.DoesNotExist:
        raise Http404 from None


def _suggestion_url(suggestion: Suggestion, anchor: str = "") -> str:
    url = reverse("feedback:suggestion_detail", args=[suggestion.pk])
    return f"{url}#{anchor}" if anchor else url


def _suggestion_context(request, suggestion: Suggestion, *, bound: dict | None = None) -> dict:
    """Everything the suggestion page shows; ``bound`` holds a submitted form
    the form or the service refused, to show again with its errors."""
    bound = bound or {}
    user = request.user
    own = suggestion.author_id == user.pk
    voting_open = suggestion.status in services.VOTING_OPEN
    moves = selectors.suggestion_moves(suggestion=suggestion, user=user)
    may_decide = user.has_perm("feedback.decide_suggestion")
    decision_form = bound.get("decision") or forms.DecisionForm()
    if "reject" not in moves:
        decision_form.fields["note"].help_text = _("Optional. The author receives it by email.")
    return {
        "improvement_tab": "suggestions",
        "suggestion": suggestion,
        "own": own,
        "voting_open": voting_open,
        "can_vote": voting_open and not own and user.has_perm("feedback.add_suggestionvote"),
        "vote_form": bound.get("vote"),
        "voters": selectors.suggestion_voters(suggestion=suggestion),
        "comments": selectors.suggestion_comments(suggestion=suggestion),
        "comment_form": (bound.get("comment") or forms.CommentForm(prefix="comment"))
        if user.has_perm("feedback.add_suggestioncomment")
        else None,
        "awards": list(suggestion.awards.all()),
        "moves": [
            {"name": name, "label": MOVE_LABELS[name], "style": MOVE_STYLES[name]} for name in moves
        ],
        "decision_form": decision_form,
        # A manager looking at their own suggestion is told why no move is offered.
        "own_undecidable": may_decide
        and own
        and selectors.suggestion_decidable(suggestion=suggestion),
        "actions": suggestion.actions.select_related("owner", "meeting").order_by("due_on")
        if user.has_perm("feedback.view_actionitem")
        else None,
        "today": timezone.localdate(),
    }


@login_required
@permission_required("feedback.view_suggestion", raise_exception=True)
@require_GET
def suggestion_detail(request, pk: int):
    suggestion = _suggestion_or_404(request, pk)
    return render(
        request, "feedback/suggestion_detail.html", _suggestion_context(request, suggestion)
    )


def _submit(request, suggestion: Suggestion, *, key: str, form, call, anchor: str = ""):
    """A form of the suggestion page through ``form_submit``: ``call``
    returns the message to show; refused input shows the page again with
    ``form`` (as ``key``) and its errors."""

    def invalid():
        context = _suggestion_context(request, suggestion, bound={key: form})
        return render(request, "feedback/suggestion_detail.html", context, status=400)

    return form_submit(
        request,
        form=form,
        call=call,
        done=lambda message: message,
        success_url=_suggestion_url(suggestion, anchor),
        invalid=invalid,
    )


@login_required
@permission_required("feedback.add_suggestionvote", raise_exception=True)
@require_POST
def suggestion_vote(request, pk: int):
    suggestion = _suggestion_or_404(request, pk)
    form = forms.VoteForm(request.POST)

    def call():
        voted = services.suggestion_vote(
            suggestion=suggestion, user=request.user, voted=form.cleaned_data["voted"]
        )
        return _("Your vote was counted.") if voted else _("Your vote was withdrawn.")

    return _submit(request, suggestion, key="vote", form=form, call=call)


@login_required
@permission_required("feedback.add_suggestioncomment", raise_exception=True)
@require_POST
def suggestion_comment(request, pk: int):
    suggestion = _suggestion_or_404(request, pk)
    form = forms.CommentForm(request.POST, prefix="comment")

    def call():
        services.suggestion_comment_add(
            suggestion=suggestion, user=request.user, text=form.cleaned_data["text"]
        )
        return _("Your comment was added.")

    return _submit(request, suggestion, key="comment", form=form, call=call, anchor="comments")


@login_required
@permission_required("feedback.decide_suggestion", raise_exception=True)
@require_POST
def suggestion_decide(request, pk: int):
    """A manager's move (the button pressed) with its note. Who may make it,
    and when, is the service's and the state machine's to say."""
    suggestion = _suggestion_or_404(request, pk)
    form = forms.DecisionForm(request.POST)

    def call():
        decided = services.suggestion_decide(
            suggestion=suggestion, user=request.user, **form.cleaned_data
        )
        award = decided.awards.order_by("-awarded_at", "-pk").first()
        if form.cleaned_data["move"] in services.AWARDS and award is not None:
            return _("Suggestion %(status)s: %(points)d points for %(author)s.") % {
                "status": decided.get_status_display().lower(),
                "points": award.points,
                "author": person_name(decided.author),
            }
        return _("Suggestion %(status)s.") % {"status": decided.get_status_display().lower()}

    return _submit(request, suggestion, key="decision", form=form, call=call)


# --- the leaderboard --------------------------------------------------------------------


@login_required
@permission_required("feedback.view_suggestion", raise_exception=True)
@require_GET
def leaderboard(request):
    """Process 6.2: reward points per person in a quarter (``?quarter=2026Q4``;
    the current quarter by default or when the parameter is not a quarter)."""
    current = selectors.Quarter.current()
    quarter = selectors.Quarter.parse(request.GET.get("quarter")) or current
    rows = selectors.leaderboard(quarter=quarter)
    return render(
        request,
        "feedback/leaderboard.html",
        {
            "improvement_tab": "leaderboard",
            "quarter": quarter,
            "rows": rows,
            "previous": quarter.previous,
            "next": quarter.next if quarter < current else None,
            "is_current": quarter == current,
            "total_points": sum(row.points for row in rows),
            "points_accepted": settings.FEEDBACK_POINTS_ACCEPTED,
            "points_implemented": settings.FEEDBACK_POINTS_IMPLEMENTED,
        },
    )


# --- stage feedback (process 4.1) --------------------------------------------------------


@login_required
@permission_required("feedback.add_stagefeedback", raise_exception=True)
def stage_feedback(request):
    """Rate a stage of the process and say why, any time; below, the recent
    feedback (everyone's for managers, one's own otherwise)."""
    form = forms.StageFeedbackForm(request.POST or None, prefix="fb")

    def page(status: int = 200):
        filter_form = forms.StageFeedbackFilterForm(request.GET or None)
        stage = filter_form.cleaned_data.get("stage", "") if filter_form.is_valid() else ""
        recent = selectors.stage_feedback_recent(user=request.user, stage=stage)
        context = {
            "improvement_tab": "feedback",
            "form": form,
            "filter_form": filter_form,
            "page": _page(request, recent),
            "everyone": request.user.has_perm("feedback.view_stagefeedback"),
        }
        return render(request, "feedback/stage_feedback.html", context, status=status)

    if request.method != "POST":
        return page()
    return form_submit(
        request,
        form=form,
        call=lambda: services.stage_feedback_submit(user=request.user, **form.cleaned_data),
        done=_("Thank you for your feedback."),
        success_url=reverse("feedback:stage_feedback"),
        invalid=lambda: page(400),
    )
