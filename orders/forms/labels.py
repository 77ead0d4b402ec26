"""What the order core's forms share: a field's label from its model."""

from __future__ import annotations

from django.utils.text import capfirst


def field_label(model, name: str):
    """The model field's own (translated) name, capitalised, as a form label."""
    return capfirst(model._meta.get_field(name).verbose_name)
