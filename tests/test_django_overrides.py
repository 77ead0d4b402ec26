"""Django's own messages, where the product shows them in Chinese, end with
Chinese punctuation (issue 12 item 5)."""

from decimal import Decimal

from django import forms
from django.utils import translation


class Money(forms.Form):
    amount = forms.DecimalField(max_digits=5, decimal_places=2)


def test_django_messages_in_chinese_end_with_a_chinese_full_stop():
    with translation.override("zh-hans"):
        errors = Money({"amount": "12345.678"}).errors["amount"]
        assert errors, errors
        for error in errors:
            assert not error.endswith("."), error
            assert error.endswith("。"), error
        too_many = Money({"amount": "1234567"}).errors["amount"][0]
        assert too_many == "确认总共不超过 5 个数字。"
    with translation.override("en"):
        assert Money({"amount": Decimal("1234567")}).errors["amount"][0].endswith(".")
