"""Filter fields that refuse what the database cannot compare."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses some others.
MAX_OFFSET = datetime.timedelta(hours=14)


class RealOffsetIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and value.utcoffset() is not None:
            if abs(value.utcoffset()) > MAX_OFFSET:
                raise forms.ValidationError(
                    _("Use a real UTC offset, between -12:00 and +14:00."), code="invalid"
                )
        return value


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    """ISO 8601 date-time with a real-world UTC offset."""

    field_class = RealOffsetIsoDateTimeField


#: The largest id a filter or an input accepts: what every database compares
#: without overflow (SQLite raised OverflowError on -1.8e308).
MAX_ID = 2_147_483_647


class IdFilter(filters.NumberFilter):
    """A record's id: a whole number from 1 to ``MAX_ID``, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
