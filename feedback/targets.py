"""Stage targets: how long each stage of an order should take (process 4.2).

An order that has been in a stage for longer than its target is *stuck* and
shows on the managers' dashboard. The analytics start from
``analytics.DEFAULT_TARGETS``; a ``StageTarget`` row, written only here,
overrides the default for its stage."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders_site.services import require_perm

from . import analytics
from .exceptions import StageTargetForbidden, StageTargetInvalid
from .models import Stage, StageTarget

PERMISSION = "feedback.change_stagetarget"


def target_stages() -> list[str]:
    """The stages that have a target, in the process's order."""
    return [stage for stage in Stage.values if stage in analytics.DEFAULT_TARGETS]


def stage_targets_current() -> dict[str, Decimal]:
    """Each stage's target in hours (the saved one, else the default), as
    the analytics apply them."""
    return {
        stage: Decimal(str(hours)).quantize(Decimal("0.1"))
        for stage, hours in analytics.stage_targets().items()
    }


def stage_targets_update(*, targets: dict[str, Decimal], user) -> list[str]:
    """Save the targets a manager entered and return the stages that changed.

    Only a user with ``feedback.change_stagetarget`` (the Sales Manager) may
    set targets; a target is a number of hours, zero or more, to one decimal.
    A stage whose value is unchanged keeps its row (and who set it last)."""
    require_perm(
        user,
        PERMISSION,
        _("Only a sales manager can change the stage targets."),
        error=StageTargetForbidden,
        allow_system=False,
    )
    errors = {}
    for stage, hours in targets.items():
        if stage not in Stage.values:
            errors[stage] = [_("Unknown stage.")]
        elif hours is None or hours < 0:
            errors[stage] = [_("Enter a number of hours, zero or more.")]
    if errors:
        raise StageTargetInvalid(_("Some targets are not valid."), fields=errors)
    changed = []
    with transaction.atomic():
        current = stage_targets_current()
        for stage, hours in targets.items():
            hours = Decimal(hours).quantize(Decimal("0.1"))
            if current.get(stage) == hours:
                continue
            StageTarget.objects.update_or_create(
                stage=stage, defaults={"target_hours": hours, "updated_by": user}
            )
            changed.append(stage)
    return changed
