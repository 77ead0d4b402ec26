"""The one path of a form that asks a service to do something (the shared
kernel: it imports no app)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from .errors import DomainError
from .forms import add_domain_error


def form_submit(
    request,
    *,
    form,
    call: Callable[[], object],
    done: str | Callable[[object], str],
    success_url: str | Callable[[], str],
    invalid: Callable[[], HttpResponse],
    names: dict[str, str] | None = None,
) -> HttpResponse:
    """An invalid form, or input the service refuses (status 400),
    re-renders the page with the errors (``invalid()``, which answers 400);
    any other refusal (a wrong state, the archive, someone else's record) is a
    message and a redirect; success is a message (``done``, or ``done(result)``)
    and a redirect, so a reload never posts twice."""
    if form.is_valid():
        try:
            result = call()
        except DomainError as exc:
            if exc.status != 400:
                messages.error(request, exc.message)
                return redirect(success_url() if callable(success_url) else success_url)
            add_domain_error(form, exc, names)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(success_url() if callable(success_url) else success_url)
    return invalid()
