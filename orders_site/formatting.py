"""How the product writes values on pages, emails and documents (the shared
kernel: it imports no app)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def cny(value) -> str:
    """``1234.5`` → ``¥1,234.50``: CNY always with two decimals."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
