import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile: 11 digits starting 13–19, optional +86 / 86 prefix.
MOBILE_RE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
# Landline: area code 0 + 2–3 digits, 7–8 digit number, optional extension.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
POSTCODE_RE = re.compile(r"^\d{6}$")


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value or "")


def validate_china_phone(value: str) -> None:
    phone = normalise_phone(value)
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(
            _(
                "Enter a mainland China mobile (11 digits, e.g. 13812345678) "
                "or landline with area code (e.g. 010-12345678)."
            ),
            code="invalid_phone",
        )


def validate_postcode(value: str) -> None:
    if value and not POSTCODE_RE.match(value):
        raise ValidationError(_("A postcode has 6 digits, e.g. 200001."), code="invalid_postcode")
