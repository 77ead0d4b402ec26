"""Every after-sales write (process 5), one module per job; each refuses to
touch an archived order and writes its line on the order's timeline:

* ``follow_ups``: the follow-up calls after delivery, their reminders and
  the customer's satisfaction survey (process 5.1);
* ``cases``: a problem on an order, through the case's state machine;
* ``returns``: goods coming back, through the return's state machine;
* ``completion``: what delivery starts (the ``confirm_delivery`` hook) and
  the order's ``complete`` step, by hand or by the daily job.

Every public name is importable from here. The reads they start from
(what a return may still take back, the orders due for completion, the
steps of the case's machine) are in ``aftersales.selectors``."""

from .cases import case_add_entry, case_assign, case_open, case_transition
from .completion import (
    follow_ups_schedule_missing,
    order_complete,
    order_delivered,
    orders_complete_due,
)
from .follow_ups import (
    follow_up_record,
    follow_ups_remind_overdue,
    follow_ups_schedule,
    survey_answer,
    survey_for_token,
    survey_issue,
)
from .returns import (
    ReturnLineInput,
    return_cancel,
    return_create,
    return_inspect,
    return_receive,
)

__all__ = [
    "ReturnLineInput",
    "case_add_entry",
    "case_assign",
    "case_open",
    "case_transition",
    "follow_up_record",
    "follow_ups_remind_overdue",
    "follow_ups_schedule",
    "follow_ups_schedule_missing",
    "order_complete",
    "order_delivered",
    "orders_complete_due",
    "return_cancel",
    "return_create",
    "return_inspect",
    "return_receive",
    "survey_answer",
    "survey_for_token",
    "survey_issue",
]
