"""HTML forms of the improvement pages. They validate input and turn it into
the keyword arguments of ``feedback.services``; they never save anything.
The business rules (who may vote, what a rejection needs, which attendees
count) stay in the services, whose field errors ``add_domain_error`` puts
next to the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from orders_site.forms import DATE_WIDGET, PersonChoiceField, person_name

from . import selectors
from .models import ActionItem, Meeting, ProcessStage, StageFeedback, Suggestion, SuggestionStatus

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


def _filters(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        return {}
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}


# --- suggestions -----------------------------------------------------------------------


class SuggestionFilterForm(forms.Form):
    """The list's filters and sort; ``filters()`` is ``selectors.suggestion_list``'s."""

    status = forms.ChoiceField(
        label=_label(Suggestion, "status"),
        required=False,
        choices=[("", _("All statuses")), *SuggestionStatus.choices],
    )
    stage = forms.ChoiceField(
        label=_label(Suggestion, "stage"),
        required=False,
        choices=[("", _("All stages")), *ProcessStage.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("newest", _("Newest first")), ("votes", _("Most votes first"))],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def filters(self) -> dict[str, Any]:
        return _filters(self)


class SuggestionForm(forms.Form):
    """Process 6.2: what goes wrong, where, and what to do about it."""

    title = forms.CharField(label=_label(Suggestion, "title"), max_length=200)
    stage = forms.ChoiceField(
        label=_label(Suggestion, "stage"),
        choices=[("", _("Choose a stage")), *ProcessStage.choices],
    )
    problem = forms.CharField(
        label=_("What is the problem?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens today, how often, and what it costs."),
    )
    proposal = forms.CharField(
        label=_("What do you propose?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class VoteForm(forms.Form):
    """The button says what the user saw: vote, or take the vote back. Posting
    the wanted state (not "toggle") makes a double click harmless."""

    voted = forms.TypedChoiceField(
        choices=[("1", _("Vote")), ("0", _("Withdraw my vote"))],
        coerce=lambda value: value == "1",
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    """A manager's move; the note is required to reject, which the service
    checks after checking the move is possible at all (a stale page gets
    that answer first)."""

    # The value of the button pressed: one form, one button per move.
    move = forms.ChoiceField(choices=[(name, name) for name in selectors.MOVE_ORDER])
    note = forms.CharField(
        label=_("Note to the author"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject: say why. The author receives it by email."),
    )


# --- meetings and action items ------------------------------------------------------------


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class MeetingForm(forms.Form):
    """Process 6.1: the meeting, who attended, and the minutes."""

    title = forms.CharField(label=_label(Meeting, "title"), max_length=200)
    held_on = forms.DateField(label=_label(Meeting, "held_on"), widget=DATE_WIDGET)
    attendees = StaffChoices(
        label=_label(Meeting, "attendees"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    minutes = forms.CharField(
        label=_label(Meeting, "minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = selectors.staff_members()

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            "title": meeting.title,
            "held_on": meeting.held_on,
            "attendees": [a.pk for a in meeting.attendees.all()],
            "minutes": meeting.minutes,
        }


class SuggestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"#{obj.pk} · {obj.title}"


class ActionItemForm(forms.Form):
    """An action decided in the meeting: what, who, by when, about what."""

    title = forms.CharField(label=_label(ActionItem, "title"), max_length=200)
    owner = PersonChoiceField(label=_label(ActionItem, "owner"), queryset=None)
    due_on = forms.DateField(label=_label(ActionItem, "due_on"), widget=DATE_WIDGET)
    suggestion = SuggestionChoiceField(
        label=_("Linked suggestion"), queryset=None, required=False, empty_label="—"
    )
    stage = forms.ChoiceField(
        label=_label(ActionItem, "stage"),
        required=False,
        choices=[("", "—"), *ProcessStage.choices],
        help_text=_("Blank: the linked suggestion's stage."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.staff_members()
        self.fields["suggestion"].queryset = selectors.suggestion_choices()


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_label(ActionItem, "status"), choices=ActionItem.Status.choices
    )


# --- stage feedback ---------------------------------------------------------------------


class StageFeedbackForm(forms.Form):
    """Process 4.1: how a stage of the process works, from 1 (badly) to 5 (well)."""

    stage = forms.ChoiceField(
        label=_label(StageFeedback, "stage"),
        choices=[("", _("Choose a stage")), *ProcessStage.choices],
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = works badly, 5 = works well."),
        error_messages={"invalid_choice": _("Rate from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_label(StageFeedback, "comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StageFeedbackFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_label(StageFeedback, "stage"),
        required=False,
        choices=[("", _("All stages")), *ProcessStage.choices],
    )
