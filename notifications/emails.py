"""Emails: rendered in the recipient's language when queued, sent by the
delivery through Django's mail backend."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboxMessage
from .outbox import outbox_insert
from .queue import deliver_after_commit


def email_render(*, template: str, language: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``notifications/email/<language>/<template>``.

    Each language has its own written templates; dates and numbers are
    formatted for that language too."""
    folder = f"notifications/email/{language}"
    context = {**context, "site_url": settings.SITE_URL.rstrip("/"), "language": language}
    with translation.override(language):
        subject = render_to_string(f"{folder}/{template}.subject.txt", context)
        text = render_to_string(f"{folder}/{template}.txt", context).strip() + "\n"
        html = render_to_string(
            "notifications/email/base.html", {**context, "subject": subject, "text": text.strip()}
        )
    return " ".join(subject.split()), text, html


def email_enqueue(
    *,
    event: str,
    to: str,
    template: str,
    language: str,
    context: dict,
    dedupe_key: str,
    order=None,
    send_at: datetime.datetime | None = None,
) -> OutboxMessage | None:
    """Queue one email, rendered now (it says what was true at this moment).

    ``send_at`` puts it off: the sweeper sends it when it falls due, so long
    delays live in the database, not in the broker."""
    if not to:
        return None
    subject, text, html = email_render(template=template, language=language, context=context)
    message = outbox_insert(
        dedupe_key=dedupe_key,
        event=event,
        channel=OutboxMessage.Channel.EMAIL,
        recipient=to,
        language=language,
        subject=subject[:300],
        body=text,
        body_html=html,
        order=order,
        next_attempt_at=send_at or timezone.now(),
    )
    if message and send_at is None:
        deliver_after_commit([message.pk])
    return message


def email_send(message: OutboxMessage) -> None:
    """Send one email row through the mail backend; raises if it refuses."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send(fail_silently=False)
