"""What the after-sales services share: the role checks and today's date."""

from __future__ import annotations

import datetime
from functools import partial

from django.utils import timezone

from orders_site.actors import is_system
from orders_site.services import require_perm

from ..exceptions import AfterSalesForbidden

#: The role check every screen and the API rely on, here once (``SYSTEM``,
#: a scheduled job, passes).
require = partial(require_perm, error=AfterSalesForbidden)


def may_handle(user) -> bool:
    """After-sales staff (or a job) may act on anyone's follow-up or case."""
    return is_system(user) or user.has_perm("aftersales.handle_case")


def today() -> datetime.date:
    return timezone.localdate()
