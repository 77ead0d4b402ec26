"""The notifications app's exceptions: why a URL may not receive webhooks,
and why one delivery failed."""

from __future__ import annotations


class URLNotAllowed(Exception):
    """The URL may not be a webhook destination. ``code`` is stable
    (``scheme``, ``credentials``, ``address``, ``invalid``); ``message`` says
    what is allowed, in the user's language."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


class HostNotFound(Exception):
    """The host name does not resolve (now): no address to vet or to reach."""


class DeliveryError(Exception):
    """One delivery failed; the text is written to be shown (to the client
    too, in its deliveries list) and is retried with backoff."""


class Undeliverable(DeliveryError):
    """No retry can help (the subscription is gone): the row is dead at once."""


class AddressRefused(Undeliverable):
    """The guard refused the URL at delivery (its DNS now points inward, or
    the row predates the check). Retrying would only knock on the same door:
    the row is dead at once; the admin can send it again once it is fixed."""
