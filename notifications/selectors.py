from django.db.models import QuerySet

from .models import OutboxMessage


def order_messages(*, order) -> QuerySet[OutboxMessage]:
    """The emails an order caused, newest first: what the customer and
    colleagues were told, and whether it went out."""
    return (
        OutboxMessage.objects.filter(order=order, channel=OutboxMessage.Channel.EMAIL)
        .only(
            "event",
            "recipient",
            "subject",
            "status",
            "sent_at",
            "created_at",
            "last_error",
            "order_id",
        )
        .order_by("-created_at", "-pk")
    )
