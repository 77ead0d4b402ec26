"""HTML forms of the sales staff UI. They validate input and turn it into the
keyword arguments of ``orders.services``; they never save anything themselves
(no ``ModelForm.save()``): every write goes through a service.

One module per page: ``order_list`` (the list's filters), ``intake`` (the
intake page's forms), ``intake_check`` (its live review check) and
``order_page`` (the order page's contact and step forms); every public name
is importable from here.
"""

from ..reasons import ADJUSTMENT_REASON_LABELS, CANCEL_REASON_LABELS, reason_label
from .intake import (
    BaseLineFormSet,
    CustomerForm,
    CustomerRefField,
    IntakeForms,
    OrderForm,
    OrderLineForm,
    ProductField,
    line_formset_class,
)
from .intake_check import IntakeCheck
from .order_list import OrderFilterForm
from .order_page import (
    AdjustmentForm,
    CancelForm,
    ContactForm,
    NoteForm,
    transition_form,
    transition_form_class,
)

__all__ = [
    "ADJUSTMENT_REASON_LABELS",
    "CANCEL_REASON_LABELS",
    "AdjustmentForm",
    "BaseLineFormSet",
    "CancelForm",
    "ContactForm",
    "CustomerForm",
    "CustomerRefField",
    "IntakeCheck",
    "IntakeForms",
    "NoteForm",
    "OrderFilterForm",
    "OrderForm",
    "OrderLineForm",
    "ProductField",
    "line_formset_class",
    "reason_label",
    "transition_form",
    "transition_form_class",
]
