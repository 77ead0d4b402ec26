"""The managers' dashboard (issue 7 item 2): who may see it, its period form,
the figures ``feedback.analytics`` returns as the page shows them, staff
feedback beside each stage, stuck orders against an edited target, and every
table exported as CSV and Excel and read back.

The history (hours per stage in brackets), recorded 20 days ago and after::

    O1 alice phone  rec day 0 09:00, submit +1 [intake 1], approve +2 [review 2],
                    pack +24 [fulfilment 24], ship +4 [handover 4],
                    deliver +48 [transit 48]
    O2 bob   email  rec day 1 09:00, submit +3 [3], sent back, resubmitted,
                    approve 24 h after the first submission [24], QC fails
                    once, pack +24 [24], ship +2 [2], deliver +96 [96]
    O3 bob   phone  rec 40 hours ago, submit +1 [1], approve 30 hours ago
                    [9]: in the warehouse for 30 hours (target 48)
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from feedback import analytics, dashboard, dashboard_tables
from feedback.analytics import lead_times
from feedback.models import Stage, StageFeedback, StageTarget
from feedback.services import stage_feedback_submit
from feedback.templatetags.dashboard_ui import decimal1, duration, percent
from orders.models import Order, OrderEvent
from tests.factories import CustomerFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db

URL = reverse("feedback:dashboard")
TARGETS_URL = reverse("feedback:targets")

TO = {
    "submit": ("draft", "submitted"),
    "request_adjustment": ("submitted", "needs_adjustment"),
    "resubmit": ("needs_adjustment", "submitted"),
    "approve": ("submitted", "approved"),
    "start_picking": ("approved", "picking"),
    "finish_picking": ("picking", "quality_check"),
    "fail_qc": ("quality_check", "picking"),
    "pass_qc": ("quality_check", "packing"),
    "pack": ("packing", "packed"),
    "ship": ("packed", "shipped"),
    "confirm_delivery": ("shipped", "delivered"),
}


def walk(order: Order, recorded: datetime.datetime, *steps: tuple[str, float]) -> None:
    """Back-date ``order`` to ``recorded`` and write its transition events,
    each ``hours`` after the previous one (the facts read events, not status)."""
    Order.objects.filter(pk=order.pk).update(created_at=recorded)
    order.events.filter(kind=OrderEvent.Kind.CREATED).update(created_at=recorded)
    when = recorded
    for name, hours in steps:
        when += datetime.timedelta(hours=hours)
        source, target = TO[name]
        event = OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.TRANSITION,
            transition=name,
            from_status=source,
            to_status=target,
        )
        OrderEvent.objects.filter(pk=event.pk).update(created_at=when)


@pytest.fixture
def period():
    today = timezone.localdate()
    return today - datetime.timedelta(days=30), today


@pytest.fixture
def query(period):
    return {"date_from": period[0].isoformat(), "date_to": period[1].isoformat()}


@pytest.fixture
def history(warehouse, product):
    alice = UserFactory(username="alice", first_name="娜", last_name="李", roles=["Sales"])
    bob = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["Sales"])
    customer = CustomerFactory()
    now = timezone.localtime()
    day0 = now.replace(hour=9, minute=0, second=0, microsecond=0) - datetime.timedelta(days=20)

    def order(salesperson, channel):
        return make_order(
            customer=customer, salesperson=salesperson, channel=channel, lines=[(product, 1)]
        )

    o1 = order(alice, "phone")
    walk(
        o1,
        day0,
        ("submit", 1),
        ("approve", 2),
        ("start_picking", 2),
        ("finish_picking", 2),
        ("pass_qc", 10),
        ("pack", 10),
        ("ship", 4),
        ("confirm_delivery", 48),
    )
    o2 = order(bob, "email")
    walk(
        o2,
        day0 + datetime.timedelta(days=1),
        ("submit", 3),
        ("request_adjustment", 2),
        ("resubmit", 4),
        ("approve", 18),
        ("start_picking", 2),
        ("finish_picking", 2),
        ("fail_qc", 1),
        ("finish_picking", 10),
        ("pass_qc", 1),
        ("pack", 8),
        ("ship", 2),
        ("confirm_delivery", 96),
    )
    o3 = order(bob, "phone")
    walk(o3, now - datetime.timedelta(hours=40), ("submit", 1), ("approve", 9))
    analytics.facts_refresh()
    return {"O1": o1, "O2": o2, "O3": o3, "alice": alice, "bob": bob}


def text(fragment: str) -> str:
    """What a reader sees of an HTML fragment, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def stage_rows(html: str) -> dict[str, str]:
    """Each lead-time row's text, by stage."""
    rows = re.findall(r'<tr data-stage="(\w+)">(.*?)</tr>', html, re.S)
    return {stage: text(body) for stage, body in rows}


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the section ``table_id``."""
    section = html.split(f'id="{table_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


# --- who may see it ---------------------------------------------------------------------


def test_managers_see_the_dashboard_sales_do_not(client, manager, sales):
    # given a manager and a salesperson
    # when each opens the dashboard
    client.force_login(manager)
    as_manager = client.get(URL)
    client.force_login(sales)
    as_sales = client.get(URL)
    # then the manager sees it, with the link in the navigation, and sales is refused
    assert as_manager.status_code == 200
    assert f'href="{URL}"' in as_manager.content.decode()
    assert as_sales.status_code == 403
    assert client.get(URL + "?table=rates&format=csv").status_code == 403
    assert client.post(TARGETS_URL, {"target-intake": "1"}).status_code == 403
    assert not StageTarget.objects.exists()
    # and the salesperson's pages do not link to it
    assert f'href="{URL}"' not in client.get(reverse("orders:list")).content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- the period form ---------------------------------------------------------------------


def test_the_page_opens_on_the_last_90_days(client, manager):
    # when the manager opens the dashboard without a period
    client.force_login(manager)
    response = client.get(URL)
    # then the form holds the last 90 days, today included
    today = timezone.localdate()
    period = response.context["period"]
    assert (period.date_from, period.date_to) == (today - datetime.timedelta(days=89), today)
    html = response.content.decode()
    assert f'value="{period.date_from.isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html


@pytest.mark.parametrize(
    "params, field, message",
    [
        (
            {"date_from": "2026-03-10", "date_to": "2026-03-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        (
            {"date_from": "2023-01-01", "date_to": "2026-03-01"},
            "date_from",
            "Choose at most two years: from 2024-03-01 at the earliest.",
        ),
        ({"date_from": "yesterday", "date_to": "2026-03-01"}, "date_from", "Enter a valid date."),
        (
            {"date_from": "2026-03-01", "group_by": "colour"},
            "group_by",
            "Select a valid choice. colour is not one of the available choices.",
        ),
    ],
)
def test_a_wrong_period_is_refused_next_to_its_field(client, manager, params, field, message):
    # when the manager asks for a period the form refuses
    client.force_login(manager)
    response = client.get(URL, params)
    # then the page answers 400 with the error under that field, and no figures
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    field_html = html.split(f'name="{field}"', 1)[1].split("</div>", 1)[0]
    assert message in unescape(field_html)
    assert 'id="lead-times"' not in html and "dashboard-data" not in html
    # and an export of that period is refused the same way
    assert client.get(URL, {**params, "table": "rates", "format": "csv"}).status_code == 400


def test_two_years_exactly_is_allowed(client, manager):
    client.force_login(manager)
    response = client.get(URL, {"date_from": "2024-03-01", "date_to": "2026-03-01"})
    assert response.status_code == 200


def test_an_unknown_table_or_format_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get(URL, {"table": "salaries", "format": "csv"}).status_code == 404
    assert client.get(URL, {"table": "rates", "format": "pdf"}).status_code == 404
    # the table by group exists only with a breakdown
    assert client.get(URL, {"table": "lead_times_by_group", "format": "csv"}).status_code == 404


# --- the figures -------------------------------------------------------------------------


def test_the_page_shows_the_lead_times_the_analytics_compute(client, manager, history, query):
    # given the history above
    client.force_login(manager)
    # when the manager opens the dashboard on the last 30 days
    response = client.get(URL, query)
    # then each stage's row has the analytics' orders, median and 90th percentile
    assert response.status_code == 200
    rows = stage_rows(response.content.decode())
    period = response.context["period"]
    figures = analytics.stage_figures(date_from=period.date_from, date_to=period.date_to)
    assert [f["stage"] for f in figures] == list(rows)
    for figure in figures:
        text = rows[figure["stage"]]
        assert f" {figure['orders']} {duration(figure['median_hours'])} " in f" {text} "
        assert duration(figure["p90_hours"]) in text
    # and they are the figures worked out by hand: hours below two days, days above
    assert "3 1.0 h 2.6 h" in rows["intake"]  # 1, 3, 1 hours
    assert "3 9.0 h 21.0 h" in rows["review"]  # 2, 24, 9
    assert "2 24.0 h 24.0 h" in rows["fulfilment"]
    assert "2 3.0 d 3.8 d" in rows["transit"]  # 48 and 96 hours
    # and each stage's target beside it (transit: 120 hours)
    assert "5.0 d" in rows["transit"] and "2.0 d" in rows["fulfilment"]


def test_the_page_shows_the_rates_the_analytics_compute(client, manager, history, query):
    client.force_login(manager)
    response = client.get(URL, query)
    period = response.context["period"]
    (figure,) = analytics.rate_figures(date_from=period.date_from, date_to=period.date_to)
    (row,) = cells(response.content.decode(), "rates")
    assert row == [
        figure["label"],
        str(figure["orders"]),
        percent(figure["adjustment_rate"]),
        percent(figure["qc_failure_rate"]),
        percent(figure["short_pick_rate"]),
        percent(figure["on_time_rate"]),
        percent(figure["cancellation_rate"]),
        decimal1(figure["cases_per_100"]),
        decimal1(figure["avg_satisfaction"]),
    ]
    # 1 of 3 submitted orders sent back, 1 of 2 QC decisions failed, none
    # cancelled, both deliveries on time, no surveys answered
    assert row[1:8] == ["3", "33.3%", "50.0%", "0.0%", "100.0%", "0.0%", "0.0"]
    assert row[8] == "—"


def test_a_breakdown_shows_a_row_per_group(client, manager, history, query):
    # when the manager breaks the figures down by salesperson
    client.force_login(manager)
    response = client.get(URL, {**query, "group_by": "salesperson"})
    html = response.content.decode()
    # then the lead times have a row per salesperson, a median and p90 per stage
    pivot = cells(html, "lead-times-by-group")
    assert [r[0] for r in pivot] == ["Bob Chen", "李娜"]
    bob = pivot[0]
    assert len(bob) == 1 + 2 * len(Stage.values)
    assert bob[1:3] == ["2.0 h", "2.8 h"]  # intake 3 and 1 hours
    # and the rates have a row per salesperson with the whole period below
    rates = cells(html, "rates")
    assert [r[0] for r in rates] == ["Bob Chen", "李娜"]
    assert "All orders" in html.split('id="rates"', 1)[1].split("<tfoot>", 1)[1]


def test_lead_times_read_from_the_rollup_say_so(client, manager, history, query, monkeypatch):
    # given: a small period, whose percentiles are exact: no note
    client.force_login(manager)
    html = client.get(URL, {**query, "group_by": "channel"}).content.decode()
    assert "dash-approximate" not in html
    # when there are more durations than the exact figures are computed for
    monkeypatch.setattr(lead_times, "EXACT_LIMIT", 0)
    response = client.get(URL, {**query, "group_by": "channel"})
    html = response.content.decode()
    # then the figures are the rollup's, and both tables of lead times say so
    period = response.context["period"]
    read = analytics.stage_figures(date_from=period.date_from, date_to=period.date_to)
    assert all(r["approximate"] for r in read if r["orders"])
    rows = stage_rows(html)
    for figure in read:
        assert duration(figure["median_hours"]) in rows[figure["stage"]]
    note = "within 1.0% of the exact figure"
    assert html.count(note) == 2
    assert html.index(note) < html.index('id="lead-times-by-group"') < html.rindex(note)


def test_staff_feedback_sits_beside_its_stage(client, manager, history, query, sales):
    # given ratings of the review stage, the latest three with words, and one
    # of after-sales (a stage without a lead time)
    for rating, comment in [(1, "oldest"), (4, "too slow on Fridays"), (5, ""), (3, "fine")]:
        stage_feedback_submit(user=sales, stage="review", rating=rating, comment=comment)
    stage_feedback_submit(user=sales, stage="after_sales", rating=2, comment="calls come late")
    client.force_login(manager)
    # when the manager opens the dashboard
    html = client.get(URL, query).content.decode()
    rows = stage_rows(html)
    # then the review row has the average of its four ratings and the latest three
    assert "3.2 ★ 4 ratings" in rows["review"]
    assert "too slow on Fridays" in rows["review"] and "fine" in rows["review"]
    assert "oldest" not in rows["review"]
    assert "(no comment)" in rows["review"]
    # and the stages nobody rated say so
    assert "—" in rows["intake"] and "rating" not in rows["intake"]
    # and after-sales is listed below the stages
    assert "calls come late" in rows["after_sales"] and "2.0" in rows["after_sales"]


def test_feedback_given_outside_the_period_is_left_out(client, manager, sales):
    stage_feedback_submit(user=sales, stage="intake", rating=5, comment="long ago")
    StageFeedback.objects.update(created_at=timezone.now() - datetime.timedelta(days=200))
    client.force_login(manager)
    rows = stage_rows(client.get(URL).content.decode())
    assert "long ago" not in rows["intake"]


def test_the_charts_get_the_same_figures(client, manager, history, query):
    client.force_login(manager)
    response = client.get(URL, query)
    chart = response.context["chart"]
    rows = response.context["lead_times"]
    assert chart["leadTimes"]["median"] == [
        None if r["median_hours"] is None else round(r["median_hours"], 1) for r in rows
    ]
    html = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    assert "feedback/vendor/chartjs/chart.umd.min.js" in html
    assert "feedback/dashboard.js" in html
    # the charts start hidden: without JavaScript the tables are the page
    assert re.search(r'data-chart="lead-times" hidden', html)


# --- stuck orders and targets ---------------------------------------------------------------


def test_an_order_is_stuck_once_its_stage_target_is_lowered(client, manager, history, query):
    # given O3 in the warehouse for 30 hours, under the default 48-hour target
    client.force_login(manager)
    number = history["O3"].number
    assert number not in client.get(URL, query).content.decode()
    # when the manager lowers the warehouse target to 24 hours
    form = dashboard.StageTargetsForm(targets=dashboard.stage_targets_current())
    data = {f"target-{name}": str(field.initial) for name, field in form.fields.items()}
    data.update({"target-fulfilment": "24", **query})
    response = client.post(TARGETS_URL, data)
    # then the target is saved and the manager is back on the same period
    assert response.status_code == 302
    assert response["Location"].startswith(f"{URL}?date_from={query['date_from']}")
    target = StageTarget.objects.get()
    assert (target.stage, target.target_hours, target.updated_by) == ("fulfilment", 24, manager)
    # and O3 is listed as stuck: its link, stage, time in it against the target
    html = client.get(response["Location"]).content.decode()
    (row,) = cells(html, "stuck")
    assert row[0] == number
    assert f'href="{reverse("orders:detail", args=[number])}"' in html
    assert row[1] == str(Stage.FULFILMENT.label)
    assert row[3:] == ["30.0 h", "24.0 h", "Bob Chen"]
    # and the form shows the new target
    assert 'name="target-fulfilment" value="24.0"' in html


@pytest.mark.parametrize("value, message", [("-1", "greater than or equal to 0"), ("", "required")])
def test_a_wrong_target_is_refused_next_to_its_field(client, manager, query, value, message):
    client.force_login(manager)
    data = {f"target-{stage}": "24" for stage in analytics.DEFAULT_TARGETS}
    data.update({"target-review": value, **query})
    response = client.post(TARGETS_URL, data)
    assert response.status_code == 400
    assert not StageTarget.objects.exists()
    field_html = response.content.decode().split('name="target-review"', 1)[1].split("</div>", 2)
    assert message in " ".join(field_html[:2])
    # and the page around it is still the dashboard of that period
    assert response.context["period"].date_from.isoformat() == query["date_from"]


def test_unchanged_targets_save_nothing(client, manager):
    client.force_login(manager)
    data = {f"target-{s}": str(h) for s, h in analytics.DEFAULT_TARGETS.items()}
    response = client.post(TARGETS_URL, data, follow=True)
    assert response.status_code == 200
    assert not StageTarget.objects.exists()
    assert "The stage targets are unchanged." in response.content.decode()


def test_the_target_service_checks_the_role(sales):
    from feedback.targets import StageTargetForbidden, stage_targets_update

    with pytest.raises(StageTargetForbidden):
        stage_targets_update(targets={"review": 1}, user=sales)


# --- exports -----------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def as_number(text: str) -> float | None:
    return float(text) if text else None


def h(hours) -> float | None:
    return None if hours is None else round(hours, 1)


def pct(rate) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def export(client, query, table, fmt, **extra):
    response = client.get(URL, {**query, **extra, "table": table, "format": fmt})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_lead_times_export_holds_the_tables_figures(client, manager, history, query, fmt):
    client.force_login(manager)
    response = export(client, query, "lead_times", fmt)
    # the file is named after the period
    assert response["Content-Disposition"] == (
        f'attachment; filename="lead-times_{query["date_from"]}_{query["date_to"]}.{fmt}"'
    )
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    header, body = rows[0], rows[1:]
    assert list(header) == [
        "Stage",
        "Orders",
        "Median (hours)",
        "90th percentile (hours)",
        "Target (hours)",
        "Average rating",
        "Ratings",
    ]
    figures = analytics.stage_figures(
        date_from=datetime.date.fromisoformat(query["date_from"]),
        date_to=datetime.date.fromisoformat(query["date_to"]),
    )
    targets = analytics.stage_targets()
    expected = [
        [
            str(f["stage"].label),
            f["orders"],
            h(f["median_hours"]),
            h(f["p90_hours"]),
            targets.get(f["stage"]),
            None,
            0,
        ]
        for f in figures
    ]
    if fmt == "csv":
        body = [[r[0], int(r[1]), *map(as_number, r[2:6]), int(r[6])] for r in body]
    else:
        # numbers are numbers in Excel, not text
        assert all(isinstance(r[1], int) for r in body)
        assert all(isinstance(v, int | float) for r in body for v in r[2:5] if v is not None)
    assert [list(r) for r in body] == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_rates_export_holds_the_tables_figures(client, manager, history, query, fmt):
    client.force_login(manager)
    response = export(client, query, "rates", fmt, group_by="channel")
    assert f'filename="rates-by-channel_{query["date_from"]}' in response["Content-Disposition"]
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert list(rows[0][:3]) == ["Channel", "Orders", "Sent back for adjustment (%)"]
    figures = analytics.rate_figures(
        date_from=datetime.date.fromisoformat(query["date_from"]),
        date_to=datetime.date.fromisoformat(query["date_to"]),
        group_by="channel",
    )
    keys = ["adjustment_rate", "qc_failure_rate", "short_pick_rate", "on_time_rate"]
    expected = [
        [f["label"], f["orders"], *(pct(f[k]) for k in [*keys, "cancellation_rate"])]
        + [h(f["cases_per_100"]), h(f["avg_satisfaction"])]
        for f in figures
    ]
    body = rows[1:]
    if fmt == "csv":
        body = [[r[0], int(r[1]), *map(as_number, r[2:])] for r in body]
    assert [list(r) for r in body] == expected
    assert [r[0] for r in expected] == ["Email", "Phone"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_lead_times_by_group_export(client, manager, history, query, fmt):
    client.force_login(manager)
    response = export(client, query, "lead_times_by_group", fmt, group_by="salesperson")
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0][0] == "Salesperson"
    assert rows[0][1] == f"{Stage.INTAKE.label}: median (hours)"
    figures = analytics.stage_figures(
        date_from=datetime.date.fromisoformat(query["date_from"]),
        date_to=datetime.date.fromisoformat(query["date_to"]),
        group_by="salesperson",
    )
    expected = {}
    for f in figures:
        expected.setdefault(f["label"], []).extend([h(f["median_hours"]), h(f["p90_hours"])])
    body = rows[1:]
    if fmt == "csv":
        body = [[r[0], *map(as_number, r[1:])] for r in body]
    assert {r[0]: list(r[1:]) for r in body} == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_stuck_orders_export(client, manager, history, query, fmt):
    StageTarget.objects.create(stage="fulfilment", target_hours=24)
    client.force_login(manager)
    response = export(client, query, "stuck", fmt)
    today = timezone.localdate().isoformat()
    assert f'filename="stuck-orders_{today}.{fmt}"' in response["Content-Disposition"]
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    (stuck,) = analytics.stuck_orders()
    since = timezone.localtime(stuck["since"]).replace(tzinfo=None, second=0, microsecond=0)
    (row,) = rows[1:]
    if fmt == "csv":
        assert row[2] == since.strftime("%Y-%m-%d %H:%M")
        row = [row[0], row[1], since, float(row[3]), float(row[4]), row[5]]
    else:
        assert isinstance(row[2], datetime.datetime)
    assert list(row) == [
        history["O3"].number,
        str(Stage.FULFILMENT.label),
        since,
        h(stuck["hours"]),
        24.0,
        "Bob Chen",
    ]


def test_export_headers_are_in_the_readers_language(client, manager, history, query):
    StageTarget.objects.create(stage="fulfilment", target_hours=24)
    client.force_login(manager)
    client.cookies["django_language"] = "zh-hans"
    rows = read_xlsx(export(client, query, "stuck", "xlsx"))
    with translation.override("zh-hans"):
        expected = [c.label for c in dashboard_tables.table_stuck([]).columns]
    assert list(rows[0]) == expected
    assert rows[0][0] == "订单号" and rows[0][-1] == "销售员"


def test_text_that_looks_like_a_formula_stays_text():
    from feedback import exports

    table = exports.Table(
        slug="t", title="T", columns=[exports.Column("Name"), exports.Column("N", exports.INT)]
    )
    table.rows = [['=HYPERLINK("http://x")', 1], ["-3", -3]]
    csv_rows = list(csv.reader(io.StringIO(exports.render_csv(table).decode("utf-8-sig"))))
    assert csv_rows[1] == ['\'=HYPERLINK("http://x")', "1"]
    assert csv_rows[2] == ["'-3", "-3"]
    sheet = load_workbook(io.BytesIO(exports.render_xlsx(table))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["B3"].value == -3


# --- formatting and cost ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours, text",
    [
        (None, "—"),
        (0.25, "0.2 h"),
        (5.25, "5.2 h"),
        (47.9, "47.9 h"),
        (48, "2.0 d"),
        (76.8, "3.2 d"),
    ],
)
def test_durations_read_in_hours_below_two_days_else_days(hours, text):
    with translation.override("en"):
        assert duration(hours) == text


def test_durations_read_in_chinese_for_chinese_readers():
    with translation.override("zh-hans"):
        assert (duration(5.25), duration(76.8)) == ("5.2 小时", "3.2 天")


def test_rates_read_as_percentages():
    assert percent(None) == "—"
    assert percent(0.125) == "12.5%"
    assert percent(1) == "100.0%"


def test_the_page_costs_a_bounded_number_of_queries(
    client, manager, history, query, sales, django_assert_max_num_queries
):
    # given more orders, feedback from many people and a stuck order per stage
    for i in range(8):
        author = UserFactory(username=f"staff{i}", roles=["Sales"])
        stage_feedback_submit(user=author, stage=Stage.values[i % 5], rating=3, comment=f"c{i}")
    StageTarget.objects.create(stage="fulfilment", target_hours=1)
    StageTarget.objects.create(stage="review", target_hours=0)
    client.force_login(manager)
    client.get(URL, query)  # the facts are fresh after the first view
    # when the manager opens the page broken down by salesperson
    with django_assert_max_num_queries(30) as captured:
        response = client.get(URL, {**query, "group_by": "salesperson"})
    assert response.status_code == 200
    few = len(captured.captured_queries)
    # (about 25: session, user, permissions, targets, feedback, five analytics
    # reads with their freshness checks and labels)
    # then more history costs no more queries
    product = history["O1"].lines.get().product
    second = make_order(customer=CustomerFactory(), salesperson=sales, lines=[(product, 1)])
    walk(second, timezone.now() - datetime.timedelta(days=3), ("submit", 1), ("approve", 1))
    analytics.facts_refresh()
    with django_assert_max_num_queries(few):
        client.get(URL, {**query, "group_by": "salesperson"})
