"""Form pieces every app's pages share (the shared kernel: it imports no app)."""

from __future__ import annotations

import re

from django import forms

from .errors import DomainError

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})

_CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(user) -> str:
    """A user's name as colleagues write it: 李娜 (family name first, no
    space) for Chinese names, "Anna Li" otherwise, the login as a fallback."""
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return user.get_full_name() or user.get_username()


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of staff, labelled as colleagues write their names."""

    def label_from_instance(self, obj) -> str:
        return person_name(obj)


def add_domain_error(
    form: forms.BaseForm,
    exc: DomainError,
    names: dict[str, str] | None = None,
    *,
    top: bool = True,
) -> None:
    """Put a service's refusal on ``form``: the message on top, each of
    ``exc.fields`` on the field it names (``names`` maps a service key such
    as ``lines[0].quantity`` to the form's field), the rest on top too.
    ``top=False`` places only the fields' errors (the page shows the message
    as a banner: ``domain_error_text``)."""
    names = names or {}
    if top:
        form.add_error(None, exc.message)
    for key, messages in (exc.fields or {}).items():
        messages = messages if isinstance(messages, list | tuple) else [messages]
        field = names.get(key, key)
        for message in messages:
            if field in form.fields:
                form.add_error(field, str(message))
            elif top and str(message) != exc.message:
                form.add_error(None, str(message))


def domain_error_text(exc: DomainError) -> str:
    """A refusal as one banner line: the message, then what it says about
    each field when that adds something."""
    details: list[str] = []
    for messages in (exc.fields or {}).values():
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            if str(message) != exc.message and str(message) not in details:
                details.append(str(message))
    return " ".join([exc.message, *details])
