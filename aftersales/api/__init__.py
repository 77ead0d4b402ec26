"""The after-sales API (process 5) under /api/v1/: follow-ups, cases and
returns. Thin views over ``aftersales.services``, which hold every rule and
check the person (owner or after-sales staff) as the web pages do.

Records are addressed by id. Like the order API, every step is
``POST /api/v1/<resource>/{id}/{step-name}/``; any write to a record of an
archived order answers 409 ``archived`` before its input is looked at. An
Integration client sees and acts only on the records of orders it created;
others' are 404.

One module per resource: ``follow_ups``, ``cases``, ``returns``, with what
they share (the documented errors, the base viewset, the filters) in
``shared`` and after-sales' step on the order resource in
``order_actions``. Every step is made by ``integrations.actions.step_action``.
"""

from .cases import CaseViewSet
from .follow_ups import FollowUpViewSet
from .order_actions import AftersalesOrderActions
from .returns import ReturnViewSet

__all__ = ["AftersalesOrderActions", "CaseViewSet", "FollowUpViewSet", "ReturnViewSet"]
