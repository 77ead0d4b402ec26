"""The dossier as a PDF (documentation 5.3): the bundle laid out on as many
A4 pages as it needs, in the active language (the reader's)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aftersales.models import (
    Case,
    CaseEntry,
    CaseStatus,
    ContactChannel,
    FollowUp,
    Return,
    ReturnLine,
)
from orders.models import Customer, CustomerContact, Order, OrderEvent, OrderStatus
from orders.selectors import TRANSITION_LABELS
from shipping.documents import FONT, draw_barcode, escape_markup, text_style
from shipping.models import ShippingDocument

from .bundle import SECTIONS

# --- the PDF -------------------------------------------------------------------------------


def _label(choices: type[TextChoices], code: str | None) -> str:
    """A stored code in the reader's words (the code itself if unknown)."""
    if not code:
        return ""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _when(value: str | None) -> str:
    """An ISO time from the bundle as the page shows it: 2026-11-27 14:05."""
    if not value:
        return ""
    parsed = parse_datetime(value)
    return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else value


def _data_text(data: dict) -> str:
    """An event's data as ``key: value`` pairs; nested values as compact JSON."""
    parts = []
    for key, value in (data or {}).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


class _Story:
    """The flowing content of the PDF: headings, fact tables, row tables."""

    GRID = colors.HexColor("#d0d5dd")
    HEAD_BG = colors.HexColor("#f2f4f7")
    MUTED = colors.HexColor("#475467")

    def __init__(self, width: float):
        self.width = width
        self.items: list = []
        self.body = text_style("dossier-body", size=9)
        self.small = text_style("dossier-small", size=8, textColor=self.MUTED)
        self.h2 = text_style("dossier-h2", size=13, spaceBefore=4 * mm, spaceAfter=2 * mm)
        self.h3 = text_style("dossier-h3", size=10.5, spaceBefore=2 * mm, spaceAfter=1 * mm)

    def p(self, text, style=None) -> Paragraph:
        """A paragraph of plain text (escaped; line breaks kept)."""
        markup = escape_markup("" if text is None else text).replace("\n", "<br/>")
        return Paragraph(markup, style or self.body)

    def heading(self, text: str) -> None:
        self.items.append(Paragraph(escape_markup(text), self.h2))

    def subheading(self, text: str) -> None:
        self.items.append(Paragraph(escape_markup(text), self.h3))

    def empty(self, text: str) -> None:
        self.items.append(self.p(text, self.small))

    def facts(self, pairs: list[tuple[str, Any]]) -> None:
        """Label / value rows; rows without a value are left out."""
        rows = [
            [self.p(label, self.small), self.p(value)]
            for label, value in pairs
            if value not in (None, "")
        ]
        if rows:
            table = Table(rows, colWidths=[40 * mm, self.width - 40 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.GRID),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            self.items.append(table)

    def rows(self, header: list[str], rows: list[list[Any]], widths: list[float]) -> None:
        """A table with a header row repeated on every page it spans."""
        total = sum(widths)
        col_widths = [self.width * w / total for w in widths]
        data = [[self.p(h, self.small) for h in header]]
        data += [[self.p(cell) for cell in row] for row in rows]
        table = Table(data, colWidths=col_widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), self.HEAD_BG),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.GRID),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        self.items.append(table)

    def gap(self, height: float = 2 * mm) -> None:
        self.items.append(Spacer(1, height))


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _money_text(value: str | None) -> str:
    return f"CNY {value}" if value is not None else ""


# Short column titles, with a context: alone, "When", "What" and "By" are
# ambiguous for a translator.
def _when_column() -> str:
    return pgettext("dossier column: time of an entry", "When")


def _what_column() -> str:
    return pgettext("dossier column: what happened", "What")


def _by_column() -> str:
    return pgettext("dossier column: who did it", "By")


# One function per section of the bundle, in the order of ``SECTIONS``.


def _pdf_order(s: _Story, bundle: dict) -> None:
    o = bundle["order"]
    s.heading(pgettext("dossier section", "Order"))
    s.facts(
        [
            (_("Order number"), o["number"]),
            (_("Status"), _label(OrderStatus, o["status"])),
            (_("Channel"), _label(Order.Channel, o["channel"])),
            (_("Recorded"), _when(o["created_at"])),
            (_("Last changed"), _when(o["updated_at"])),
            (_("Requested delivery"), o["requested_delivery_date"]),
            (_("Payment method"), _label(Order.PaymentMethod, o["payment_method"])),
            (_("Total"), _money_text(o["total"])),
            (_("Salesperson"), o["salesperson"]),
            (_("Warehouse"), o["warehouse"]),
            (_("External reference"), o["external_ref"]),
            (_("Notes"), o["notes"]),
        ]
    )


def _pdf_customer(s: _Story, bundle: dict) -> None:
    c = bundle["customer"]
    s.heading(_("Customer"))
    s.facts(
        [
            (_("Name"), c["name"]),
            (_("Company"), c["company"]),
            (_("Contact person"), c["contact_person"]),
            (_("Phone"), c["phone"]),
            (_("Email"), c["email"]),
            (_("Address"), c["address"]),
            (_("Postcode"), c["postcode"]),
            (_("Preferred language"), _label(Customer.Language, c["preferred_language"])),
            (_("Payment terms"), _label(Customer.PaymentTerms, c["payment_terms"])),
            (_("Credit limit"), _money_text(c["credit_limit"])),
        ]
    )


def _pdf_lines(s: _Story, bundle: dict) -> None:
    s.heading(_("Lines"))
    rows = [
        [
            line["sku"],
            line["name"],
            f"{line['quantity']} {line['unit']}",
            line["unit_price"],
            line["line_total"],
            line["picked_quantity"],
        ]
        for line in bundle["lines"]
    ]
    rows.append(["", "", "", _("Total"), _money_text(bundle["order"]["total"]), ""])
    s.rows(
        [_("SKU"), _("Product"), _("Quantity"), _("Unit price"), _("Line total"), _("Picked")],
        rows,
        [22, 44, 16, 18, 20, 12],
    )


def _pdf_review_findings(s: _Story, bundle: dict) -> None:
    s.heading(_("Review findings"))
    review = bundle["review_findings"]
    for finding in review["findings"]:
        s.items.append(s.p(f"- {finding['message']}"))
    if not review["findings"]:
        s.empty(_("No findings.") if review["computed_at"] else _("Not reviewed."))


def _pdf_timeline(s: _Story, bundle: dict) -> None:
    s.heading(_("Timeline"))
    kinds = dict(OrderEvent.Kind.choices)
    rows = []
    for event in bundle["timeline"]:
        if event["transition"]:
            what = capfirst(str(TRANSITION_LABELS.get(event["transition"], event["transition"])))
            what += f"\n{_label(OrderStatus, event['from_status'])} -> "
            what += _label(OrderStatus, event["to_status"])
        else:
            what = str(kinds.get(event["kind"], event["kind"]))
        details = "\n".join(filter(None, [event["note"], _data_text(event["data"])]))
        rows.append([_when(event["at"]), what, event["actor"] or _("system"), details])
    s.rows([_when_column(), _what_column(), _by_column(), _("Details")], rows, [16, 26, 14, 44])


def _pdf_contacts(s: _Story, bundle: dict) -> None:
    s.heading(_("Customer contacts"))
    if not bundle["contacts"]:
        s.empty(_("No contact with the customer recorded."))
        return
    s.rows(
        [_when_column(), _("Channel"), _by_column(), _("Summary")],
        [
            [
                _when(x["contacted_at"]),
                _label(CustomerContact.Channel, x["channel"]),
                x["contacted_by"],
                x["summary"],
            ]
            for x in bundle["contacts"]
        ],
        [16, 12, 14, 58],
    )


def _package_text(package: dict) -> str:
    text = f"{package['weight_kg']} kg"
    if package["length_cm"]:
        size = [package[k] or "?" for k in ("length_cm", "width_cm", "height_cm")]
        text += ", {} x {} x {} cm".format(*size)
    return text


def _pdf_shipments(s: _Story, bundle: dict) -> None:
    s.heading(_("Shipping"))
    if not bundle["shipments"]:
        s.empty(_("Nothing shipped."))
    for shipment in bundle["shipments"]:
        s.facts(
            [
                (_("Carrier"), shipment["carrier"]),
                (_("Service"), shipment["service"]),
                (_("Tracking number"), shipment["tracking_number"]),
                (_("Reason for another carrier"), shipment["override_reason"]),
                (_("Shipped"), _when(shipment["shipped_at"])),
                (_("Shipped by"), shipment["shipped_by"]),
                (_("Delivered"), _yes_no(shipment["delivered"])),
                (_("Delivered at"), _when(shipment["delivered_at"])),
                (_("Signed by"), shipment["signed_by"]),
                (_("Packages"), "\n".join(_package_text(p) for p in shipment["packages"])),
            ]
        )
        s.gap()


def _pdf_documents(s: _Story, bundle: dict) -> None:
    s.heading(_("Documents"))
    if not bundle["documents"]:
        s.empty(_("No documents."))
        return
    s.rows(
        [_("Document"), _("File"), _("Created")],
        [
            [_label(ShippingDocument.Kind, d["kind"]), d["filename"], _when(d["created_at"])]
            for d in bundle["documents"]
        ],
        [40, 40, 20],
    )


def _pdf_follow_ups(s: _Story, bundle: dict) -> None:
    s.heading(_("Follow-ups"))
    if not bundle["follow_ups"]:
        s.empty(_("No follow-ups."))
        return
    s.rows(
        [_("Due"), _("Status"), _("Owner"), _("Channel"), _("Satisfaction"), _("Notes")],
        [
            [
                f["due_on"],
                _label(FollowUp.Status, f["status"]),
                f["owner"],
                _label(ContactChannel, f["channel"]),
                "" if f["satisfaction"] is None else f"{f['satisfaction']} / 5",
                "\n".join(filter(None, [f["usage"], f["notes"]])),
            ]
            for f in bundle["follow_ups"]
        ],
        [14, 10, 12, 10, 12, 42],
    )


def _pdf_cases(s: _Story, bundle: dict) -> None:
    s.heading(_("After-sales cases"))
    if not bundle["cases"]:
        s.empty(_("No cases."))
    entry_kinds = dict(CaseEntry.Kind.choices)
    for case in bundle["cases"]:
        s.subheading(f"{case['number']}  {case['subject']}")
        s.facts(
            [
                (_("Type"), _label(Case.Kind, case["kind"])),
                (_("Status"), _label(CaseStatus, case["status"])),
                (_("Department"), _label(Case.Department, case["department"])),
                (_("Owner"), case["owner"]),
                (_("Opened"), _when(case["created_at"])),
                (_("Due on"), case["due_on"]),
                (_("Lines"), ", ".join(line["sku"] for line in case["lines"])),
                (_("Description"), case["description"]),
                (_("Resolution"), case["resolution"]),
                (_("Resolved"), _when(case["resolved_at"])),
                (_("Closed"), _when(case["closed_at"])),
            ]
        )
        rows = []
        for entry in case["entries"]:
            what = str(entry_kinds.get(entry["kind"], entry["kind"]))
            if entry["to_status"]:
                what += f"\n{_label(CaseStatus, entry['from_status'])} -> "
                what += _label(CaseStatus, entry["to_status"])
            rows.append([_when(entry["at"]), what, entry["author"] or _("system"), entry["text"]])
        if rows:
            header = [_when_column(), _what_column(), _by_column(), _("Text")]
            s.rows(header, rows, [16, 22, 14, 48])


def _pdf_returns(s: _Story, bundle: dict) -> None:
    s.heading(_("Returns"))
    if not bundle["returns"]:
        s.empty(_("No returns."))
    for ret in bundle["returns"]:
        s.subheading(f"{ret['number']}  ({ret['case']})")
        s.facts(
            [
                (_("Status"), _label(Return.Status, ret["status"])),
                (_("Reason"), ret["reason"]),
                (_("Received"), _when(ret["received_at"])),
                (_("Inspected"), _when(ret["inspected_at"])),
                (_("Inspection notes"), ret["inspection_notes"]),
                (_("Refund"), _money_text(ret["refund_amount"])),
            ]
        )
        s.rows(
            [_("SKU"), _("Quantity"), _("Disposition")],
            [
                [line["sku"], line["quantity"], _label(ReturnLine.Disposition, line["disposition"])]
                for line in ret["lines"]
            ],
            [40, 20, 40],
        )


def _pdf_survey(s: _Story, bundle: dict) -> None:
    s.heading(_("Satisfaction survey"))
    survey = bundle["survey"]
    if survey is None:
        s.empty(_("No survey was sent."))
    elif survey["answered_at"] is None:
        s.empty(_("Sent %(sent)s, not answered.") % {"sent": _when(survey["sent_at"])})
    else:
        s.facts(
            [
                (_("Rating"), f"{survey['rating']} / 5"),
                (_("Comment"), survey["comment"]),
                (_("Answered"), _when(survey["answered_at"])),
            ]
        )


def _pdf_archive(s: _Story, bundle: dict) -> None:
    s.heading(_("Archive"))
    record = bundle["archive"]
    if record is None:
        s.empty(_("Not archived."))
        return
    s.facts(
        [
            (_("Final status"), _label(OrderStatus, record["final_status"])),
            (_("Archived"), _when(record["archived_at"])),
            (_("Archived by"), record["archived_by"] or _("system")),
            (_("Next review on"), record["next_review_on"]),
            (_("Last reviewed"), _when(record["last_reviewed_at"])),
        ]
    )
    if record["reviews"]:
        s.rows(
            [_("Reviewed"), _("Reviewer"), _("Note")],
            [[_when(r["reviewed_at"]), r["reviewer"], r["note"]] for r in record["reviews"]],
            [18, 16, 66],
        )


PDF_SECTIONS: dict[str, Callable[[_Story, dict], None]] = {
    "order": _pdf_order,
    "customer": _pdf_customer,
    "lines": _pdf_lines,
    "review_findings": _pdf_review_findings,
    "timeline": _pdf_timeline,
    "contacts": _pdf_contacts,
    "shipments": _pdf_shipments,
    "documents": _pdf_documents,
    "follow_ups": _pdf_follow_ups,
    "cases": _pdf_cases,
    "returns": _pdf_returns,
    "survey": _pdf_survey,
    "archive": _pdf_archive,
}


def dossier_pdf(*, bundle: dict[str, Any]) -> bytes:
    """The bundle on A4 in the active language (the reader's): its sections
    in order, each table continuing over as many pages as it needs, with the
    order number, its barcode, the customer and the page number on every page.

    Set in STSong-Light like the shipping documents, so Chinese names and
    addresses print and stay extractable. No middle dot or yen sign: the
    font has no glyph for them."""
    buffer = io.BytesIO()
    width, height = A4
    number = bundle["order"]["number"]
    title = _("Order dossier %(number)s") % {"number": number}
    subtitle = _("%(customer)s    Generated %(when)s") % {
        "customer": bundle["customer"]["name"],
        "when": _when(bundle["generated_at"]),
    }
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=32 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    story = _Story(doc.width)
    for name in SECTIONS:
        PDF_SECTIONS[name](story, bundle)

    def decorate(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 16)
        canvas.drawString(15 * mm, height - 16 * mm, title)
        canvas.setFont(FONT, 9)
        canvas.drawString(15 * mm, height - 23 * mm, subtitle)
        draw_barcode(canvas, number, width - 80 * mm, height - 26 * mm, height=10 * mm)
        canvas.setFont(FONT, 8)
        page = _("%(number)s, page %(page)s") % {"number": number, "page": doc_.page}
        canvas.drawRightString(width - 15 * mm, 10 * mm, page)
        canvas.restoreState()

    doc.build(story.items, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
