from django import forms
from django.utils.translation import gettext_lazy as _

from .events import webhook_events
from .models import WebhookSubscription
from .urlguard import validate_webhook_url


class WebhookSubscriptionForm(forms.ModelForm):
    # Public http(s) addresses only (``urlguard``); checked again at delivery.
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        validators=[validate_webhook_url],
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=webhook_events,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The order statuses this system wants to hear about."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "owner", "is_active"]
