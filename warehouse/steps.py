"""What the warehouse registers with the order core (``orders.hooks``)."""

from orders import hooks

from . import forms, services


def register() -> None:
    hooks.step("start_picking", services.order_start_picking)
    hooks.step("finish_picking", services.order_finish_picking)
    hooks.step("report_shortage", services.order_report_shortage)
    hooks.step("pass_qc", services.order_pass_qc)
    hooks.step("fail_qc", services.order_fail_qc, form=forms.FailQcForm)
    hooks.step("pack", services.order_pack, form=forms.PackForm)
