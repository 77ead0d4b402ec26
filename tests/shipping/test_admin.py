"""Shipping in the admin: the carrier rules whose transit days feed the
review's earliest feasible date, and the read-only shipment and package lists."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from orders import selectors
from shipping.models import Carrier, CarrierRule
from tests.factories import UserFactory


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_transit_days_edited_in_the_admin_move_the_earliest_feasible_date(client, manager, db):
    # given Xinjiang served by SF in 6 days
    sf = Carrier.objects.get(code="sf")
    row = CarrierRule.objects.create(
        carrier=sf,
        service=sf.services.get(code="standard"),
        province="新疆维吾尔自治区",
        transit_days=6,
        priority=1,
    )
    client.force_login(manager)
    # when the manager changes it to 9 in the rule list
    response = client.post(
        reverse("admin:shipping_carrierrule_changelist") + "?province=新疆维吾尔自治区",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": row.pk,
            "form-0-transit_days": "9",
            "form-0-priority": "1",
            "_save": "Save",
        },
    )
    # then the review's earliest feasible date uses the new figure
    assert response.status_code == 302
    today = timezone.localdate()
    earliest = selectors.earliest_feasible_date(province="新疆维吾尔自治区", today=today)
    assert earliest == today + datetime.timedelta(days=settings.ORDERS_PROCESSING_DAYS + 9)


def test_shipments_and_packages_are_read_only(client, root):
    # given a superuser
    client.force_login(root)
    # when they open the shipment and package lists or try to add
    for model in ("shipment", "package"):
        # then the lists render and adding is refused
        assert client.get(reverse(f"admin:shipping_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:shipping_{model}_add")).status_code == 403
