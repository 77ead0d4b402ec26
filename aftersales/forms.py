from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ContactChannel

RATING_CHOICES = [(i, str(i)) for i in range(1, 6)]


class SurveyForm(forms.Form):
    """What the customer sees: a rating from 1 to 5 and a comment."""

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with this order?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FollowUpForm(forms.Form):
    """Process 5.1: how the follow-up call went."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=ContactChannel.choices, initial=ContactChannel.PHONE
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", "—"), *RATING_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    usage = forms.CharField(
        label=_("How the product is used"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if not (data.get("usage", "").strip() or data.get("notes", "").strip()):
            raise forms.ValidationError(_("Say what the customer told you (usage or notes)."))
        return data
