"""After-sales on the services (process 5): an order from delivery through
follow-ups, a complaint with a return, completion and the archive, with the
stock ledger exact; and the refusals that must change nothing."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from aftersales import services
from aftersales.exceptions import (
    AfterSalesConflict,
    AfterSalesForbidden,
    AfterSalesInvalid,
    SurveyLinkInvalid,
)
from aftersales.models import Case, FollowUp, Return, Survey
from aftersales.services import ReturnLineInput
from inventory.models import StockItem, StockMovement
from notifications.models import OutboxMessage
from orders import services as order_services
from orders.exceptions import OrderArchived
from orders.models import OrderEvent
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(db):
    return UserFactory(
        username="boss",
        roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"],
    )


@pytest.fixture
def salesperson(db):
    return UserFactory(username="li", email="li@example.com", roles=["Sales"])


@pytest.fixture
def pump(warehouse):
    product = ProductFactory(sku="PUMP-7", list_price=Decimal("10.00"))
    stock(product, 20)
    return product


def delivered_order(boss, salesperson, pump, quantity=5, **customer):
    customer = CustomerFactory(name="华东机电有限公司", email="buyer@example.com", **customer)
    order = make_order(customer=customer, salesperson=salesperson, lines=[(pump, quantity)])
    return walk_to(order, "delivered", boss)


def on_hand(product):
    item = StockItem.objects.get(product=product)
    return item.on_hand, item.reserved


def survey_token(order):
    body = OutboxMessage.objects.get(order=order, event="order.delivered").body
    return re.search(r"/after-sales/survey/([^/\s]+)/", body).group(1)


def test_delivered_to_archived_through_follow_ups_a_complaint_and_a_return(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    today = timezone.localdate()
    assert on_hand(pump) == (15, 0)

    # process 5.1: two follow-ups for the salesperson, 3 and 30 days out
    follow_ups = list(order.follow_ups.order_by("offset_days"))
    assert [(f.offset_days, f.due_on, f.owner) for f in follow_ups] == [
        (3, today + datetime.timedelta(days=3), salesperson),
        (30, today + datetime.timedelta(days=30), salesperson),
    ]
    services.follow_up_record(
        follow_up=follow_ups[0],
        user=salesperson,
        channel="phone",
        usage="Runs the cooling line, 8 h a day",
        satisfaction=4,
    )
    services.follow_up_record(
        follow_up=follow_ups[1], user=salesperson, channel="wechat", notes="One pump leaks"
    )
    assert order.follow_ups.filter(status="done").count() == 2
    timeline = OrderEvent.objects.filter(order=order, kind="follow_up")
    assert [e.data["satisfaction"] for e in timeline] == [4, None]

    # process 5.2: a complaint, with a return of the 2 leaking pumps
    line = order.lines.get()
    case = services.case_open(
        order=order,
        user=boss,
        kind="complaint",
        subject="Two pumps leak at the seal",
        department="quality",
        lines=[line],
    )
    assert case.due_on == today + datetime.timedelta(days=3)  # complaints: 3 days
    services.case_transition(case=case, user=boss, name="start")
    services.case_add_entry(
        case=case, user=boss, kind="contact", channel="phone", text="Customer sends them back"
    )
    return_request = services.return_create(
        case=case,
        user=boss,
        reason="Seal leaks",
        lines=[ReturnLineInput(order_line=line, quantity=2)],
    )
    services.return_receive(return_request=return_request, user=boss)
    [return_line] = return_request.lines.all()
    services.return_inspect(
        return_request=return_request,
        user=boss,
        dispositions={return_line.pk: "restock"},
        notes="Seal replaced, as new",
        refund_amount=Decimal("20.00"),
    )
    assert on_hand(pump) == (17, 0)  # 20 received - 5 shipped + 2 restocked
    ledger = StockMovement.objects.filter(stock_item__product=pump)
    assert ledger.aggregate(n=Sum("on_hand_change"))["n"] == 17
    assert ledger.aggregate(n=Sum("reserved_change"))["n"] == 0
    restock = ledger.get(kind="return")
    assert (restock.on_hand_change, restock.on_hand_after, restock.order) == (2, 17, order)
    return_request.refresh_from_db()
    assert return_request.status == "done" and return_request.refund_amount == Decimal("20.00")

    services.case_transition(case=case, user=boss, name="resolve", resolution="2 pumps refunded")
    services.case_transition(case=case, user=boss, name="close")
    resolved = OutboxMessage.objects.get(order=order, event="aftersales.case_resolved")
    assert resolved.recipient == "buyer@example.com" and "2 pumps refunded" in resolved.body

    services.survey_answer(token=survey_token(order), rating=4, comment="Good pumps")
    page = Client()
    page.force_login(salesperson)
    html = page.get(reverse("orders:detail", args=[order.number])).content.decode()
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    for text in [case.number, f"{return_request}: ", "restocked", "4/5", "Runs the cooling line"]:
        assert text in timeline, text

    # process 5: completed once the follow-up window has passed, no case open
    assert services.orders_complete_due(today=today + datetime.timedelta(days=29)) == 0
    assert services.orders_complete_due(today=today + datetime.timedelta(days=30)) == 1
    order.refresh_from_db()
    assert order.status == "completed"

    # documentation 5: archived, and nothing attached can change any more
    order_services.order_archive(order=order, user=boss)
    order.refresh_from_db()
    assert order.status == "archived"
    before = (Case.objects.count(), Return.objects.count(), OrderEvent.objects.count())
    with pytest.raises(OrderArchived):
        services.case_open(order=order, user=boss, kind="inquiry", subject="x", department="sales")
    with pytest.raises(OrderArchived):
        services.case_transition(case=case, user=boss, name="reopen")
    with pytest.raises(OrderArchived):
        services.return_create(
            case=case, user=boss, reason="more", lines=[ReturnLineInput(line, 1)]
        )
    with pytest.raises(OrderArchived):
        services.case_add_entry(case=case, user=boss, kind="note", text="late note")
    assert before == (Case.objects.count(), Return.objects.count(), OrderEvent.objects.count())
    assert on_hand(pump) == (17, 0)

    # the dossier of this order holds every part of its record
    client = Client()
    client.force_login(boss)
    dossier = client.get(reverse("archive:dossier_json", args=[order.number])).json()
    assert dossier["order"]["number"] == order.number
    assert dossier["customer"]["name"] == "华东机电有限公司"
    assert [line["quantity"] for line in dossier["lines"]] == [5]
    assert "review_findings" in dossier
    kinds = {event["kind"] for event in dossier["timeline"]}
    assert {"created", "transition", "follow_up", "case", "return"} <= kinds
    assert len(dossier["contacts"]) == 0 or dossier["contacts"][0]["summary"]
    assert dossier["shipments"][0]["tracking_number"]
    assert {d["kind"] for d in dossier["documents"]} == {"packing_slip", "labels"}
    assert [f["satisfaction"] for f in dossier["follow_ups"]] == [4, None]
    [case_data] = dossier["cases"]
    assert case_data["subject"] == "Two pumps leak at the seal" and case_data["entries"]
    [return_data] = dossier["returns"]
    assert return_data["refund_amount"] == "20.00"
    assert return_data["lines"][0]["disposition"] == "restock"
    assert (dossier["survey"]["rating"], dossier["survey"]["comment"]) == (4, "Good pumps")
    assert dossier["archive"]["final_status"] == "completed"
    pdf = client.get(reverse("archive:dossier_pdf", args=[order.number]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "华东机电有限公司" in text and order.number in text


def test_returns_never_exceed_what_shipped_across_all_returns(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump, quantity=5)
    line = order.lines.get()
    case = services.case_open(
        order=order, user=boss, kind="return", subject="Too many", department="sales"
    )
    first = services.return_create(
        case=case, user=boss, reason="Ordered too many", lines=[ReturnLineInput(line, 3)]
    )
    with pytest.raises(AfterSalesInvalid) as refused:
        services.return_create(
            case=case, user=boss, reason="And more", lines=[ReturnLineInput(line, 3)]
        )
    assert "lines[0].quantity" in refused.value.fields
    assert "At most 2" in refused.value.fields["lines[0].quantity"][0]
    assert Return.objects.count() == 1
    services.return_cancel(return_request=first, user=boss)  # frees the 3 again
    services.return_create(case=case, user=boss, reason="All", lines=[ReturnLineInput(line, 5)])
    with pytest.raises(AfterSalesInvalid):
        services.return_create(case=case, user=boss, reason="0", lines=[ReturnLineInput(line, 0)])
    with pytest.raises(AfterSalesInvalid) as refund:
        services.return_create(
            case=case,
            user=boss,
            reason="x",
            lines=[ReturnLineInput(line, 0)],
            refund_amount=Decimal("-1"),
        )
    assert "refund_amount" in refund.value.fields


def test_a_return_before_shipping_is_refused(boss, salesperson, pump):
    order = walk_to(
        make_order(customer=CustomerFactory(), salesperson=salesperson, lines=[(pump, 2)]),
        "approved",
        boss,
    )
    case = services.case_open(
        order=order, user=boss, kind="inquiry", subject="When?", department="logistics"
    )
    with pytest.raises(AfterSalesInvalid) as refused:
        services.return_create(
            case=case, user=boss, reason="x", lines=[ReturnLineInput(order.lines.get(), 1)]
        )
    assert "order" in refused.value.fields


def test_scrapped_goods_do_not_return_to_stock(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump, quantity=4)
    line = order.lines.get()
    case = services.case_open(
        order=order, user=boss, kind="return", subject="Broken", department="warehouse"
    )
    return_request = services.return_create(
        case=case, user=boss, reason="Broken", lines=[ReturnLineInput(line, 1)]
    )
    with pytest.raises(AfterSalesConflict):  # not received yet
        services.return_inspect(return_request=return_request, user=boss, dispositions={})
    services.return_receive(return_request=return_request, user=boss)
    with pytest.raises(AfterSalesInvalid) as incomplete:
        services.return_inspect(return_request=return_request, user=boss, dispositions={})
    assert "lines[0].disposition" in incomplete.value.fields
    [return_line] = return_request.lines.all()
    services.return_inspect(
        return_request=return_request, user=boss, dispositions={return_line.pk: "scrap"}
    )
    assert on_hand(pump) == (16, 0)
    assert not StockMovement.objects.filter(kind="return").exists()


def test_the_survey_link_works_once_and_not_after_it_expires(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    token = survey_token(order)
    assert Survey.objects.get(order=order).token_hash != token  # only the hash is kept
    with pytest.raises(AfterSalesInvalid):
        services.survey_answer(token=token, rating=9)
    services.survey_answer(token=token, rating=5, comment="Fast delivery")
    survey = Survey.objects.get(order=order)
    assert (survey.rating, survey.comment) == (5, "Fast delivery")
    with pytest.raises(SurveyLinkInvalid, match="already answered"):
        services.survey_answer(token=token, rating=1, comment="changed my mind")
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (5, "Fast delivery")
    assert OrderEvent.objects.filter(order=order, kind="survey").count() == 1

    other = delivered_order(boss, salesperson, pump, quantity=1)
    token = survey_token(other)
    Survey.objects.filter(order=other).update(expires_at=timezone.now())
    with pytest.raises(SurveyLinkInvalid, match="expired"):
        services.survey_answer(token=token, rating=4)
    with pytest.raises(SurveyLinkInvalid, match="not valid"):
        services.survey_answer(token="made-up", rating=4)
    assert Survey.objects.get(order=other).answered_at is None


def test_follow_ups_belong_to_their_owner_and_close_once(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    follow_up = order.follow_ups.first()
    stranger = UserFactory(username="wang", roles=["Sales"])
    with pytest.raises(AfterSalesForbidden):
        services.follow_up_record(follow_up=follow_up, user=stranger, channel="phone", notes="x")
    with pytest.raises(AfterSalesInvalid) as invalid:
        services.follow_up_record(follow_up=follow_up, user=salesperson, channel="fax")
    assert set(invalid.value.fields) == {"channel", "notes"}
    services.follow_up_record(follow_up=follow_up, user=salesperson, channel="phone", notes="ok")
    with pytest.raises(AfterSalesConflict):
        services.follow_up_record(
            follow_up=follow_up, user=salesperson, channel="phone", notes="again"
        )


def test_overdue_follow_ups_are_reminded_once_a_day_per_owner(boss, salesperson, pump):
    delivered_order(boss, salesperson, pump, quantity=1)
    delivered_order(boss, salesperson, pump, quantity=1)
    today = timezone.localdate()
    assert services.follow_ups_remind_overdue(today=today) == 0  # nothing due yet
    later = today + datetime.timedelta(days=5)
    assert services.follow_ups_remind_overdue(today=later) == 1
    assert services.follow_ups_remind_overdue(today=later) == 0
    [reminder] = OutboxMessage.objects.filter(event="aftersales.follow_ups_overdue")
    assert reminder.recipient == "li@example.com" and reminder.body.count("PUMP") == 0
    assert reminder.body.count("SO-") == 2
    assert FollowUp.objects.filter(reminded_on=later).count() == 2


def test_an_open_case_holds_completion_back(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    case = services.case_open(
        order=order, user=boss, kind="repair", subject="Noise", department="quality"
    )
    later = timezone.localdate() + datetime.timedelta(days=31)
    assert services.orders_complete_due(today=later) == 0
    services.case_transition(case=case, user=boss, name="resolve", resolution="Bearing fixed")
    assert services.orders_complete_due(today=later) == 1


def test_case_state_machine_refuses_what_its_state_does_not_allow(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    case = services.case_open(
        order=order, user=boss, kind="inquiry", subject="Manual?", department="sales"
    )
    with pytest.raises(AfterSalesConflict):
        services.case_transition(case=case, user=boss, name="close")  # not resolved yet
    with pytest.raises(AfterSalesInvalid) as missing:
        services.case_transition(case=case, user=boss, name="resolve")
    assert "resolution" in missing.value.fields
    services.case_transition(case=case, user=boss, name="resolve", resolution="Sent the PDF")
    services.case_transition(case=case, user=boss, name="close")
    services.case_transition(case=case, user=boss, name="reopen")
    case.refresh_from_db()
    assert case.status == "in_progress" and case.closed_at is None
    assert [e.to_status for e in case.entries.filter(kind="status")] == [
        "open",
        "resolved",
        "closed",
        "in_progress",
    ]


def test_roles_without_the_permission_are_refused_by_the_services(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    line = order.lines.get()
    picker = UserFactory(username="picker", roles=["Warehouse"])
    with pytest.raises(AfterSalesForbidden):
        services.case_open(
            order=order, user=picker, kind="inquiry", subject="x", department="sales"
        )
    case = services.case_open(
        order=order, user=salesperson, kind="return", subject="Wrong size", department="sales"
    )
    with pytest.raises(AfterSalesForbidden):  # sales may open a case, not book a return
        services.return_create(
            case=case, user=salesperson, reason="x", lines=[ReturnLineInput(line, 1)]
        )
    return_request = services.return_create(
        case=case, user=boss, reason="Wrong size", lines=[ReturnLineInput(line, 1)]
    )
    with pytest.raises(AfterSalesForbidden):
        services.return_receive(return_request=return_request, user=salesperson)
    services.return_receive(return_request=return_request, user=picker)  # the warehouse receives
    assert Return.objects.get().status == "received"


def test_managers_look_cases_and_returns_up_in_the_admin(boss, salesperson, pump):
    order = delivered_order(boss, salesperson, pump)
    case = services.case_open(
        order=order, user=boss, kind="complaint", subject="Noisy", department="quality"
    )
    return_request = services.return_create(
        case=case, user=boss, reason="Noisy", lines=[ReturnLineInput(order.lines.get(), 1)]
    )
    manager = UserFactory(username="admin-manager", roles=["Sales Manager"], is_staff=True)
    client = Client()
    client.force_login(manager)
    for url in [
        reverse("admin:aftersales_case_change", args=[case.pk]),
        reverse("admin:aftersales_return_change", args=[return_request.pk]),
        reverse("admin:aftersales_followup_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'name="_save"' not in response.content  # looked up, never edited here
