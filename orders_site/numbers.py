"""Numbers are typed with the ASCII digits 0-9 (issue 11 item 6).

Python's ``int()`` and ``Decimal()`` read every Unicode digit: ``"１"``
(full-width, which a Chinese input method types) and ``"٣"`` (Arabic-Indic)
were accepted as 1 and 3 by every quantity, price and weight field. A number
that reaches the books must be what the person sees and what a report, an
export or another system reads back: the API and the forms refuse anything
but ASCII in a number with a message that says what to type.

Every number field of Django's forms and of DRF reads text through one
``to_python`` / ``to_internal_value``; ``install()`` (called once, from
``SiteConfig.ready``) wraps those so each form, admin page, serializer and
model form of the product gets the rule without a field class of its own.
"""

from __future__ import annotations

import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers


def message() -> str:
    return _("Type the number with the digits 0-9 (not full-width or other scripts' digits).")


def _wrap(convert, error):
    if getattr(convert, "ascii_digits_only", False):
        return convert

    @functools.wraps(convert)
    def ascii_only(self, value):
        if isinstance(value, str) and not value.isascii():
            raise error(message(), code="invalid")
        return convert(self, value)

    ascii_only.ascii_digits_only = True
    return ascii_only


def install() -> None:
    for field in (forms.IntegerField, forms.DecimalField, forms.FloatField):
        field.to_python = _wrap(field.to_python, ValidationError)
    for field in (serializers.IntegerField, serializers.DecimalField, serializers.FloatField):
        field.to_internal_value = _wrap(field.to_internal_value, serializers.ValidationError)
