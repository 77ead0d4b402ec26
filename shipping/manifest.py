"""The daily hand-over manifest (process 4.1): what one carrier's driver takes
from the warehouse on one date, as a page, a PDF the driver signs, and a CSV
for the carrier's own systems. The rows come from
``selectors.manifest_shipments``; this module only renders them."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from orders_site.spreadsheets import csv_bytes

from .documents import FONT, escape_markup, text_style
from .models import Carrier, Shipment
from .selectors import manifest_shipments

LATIN = "Helvetica"


@dataclass(frozen=True)
class ManifestRow:
    order_number: str
    tracking_number: str
    customer: str
    company: str
    city: str
    packages: int
    weight_kg: Decimal
    service: str
    shipped_at: datetime.datetime

    @classmethod
    def from_shipment(cls, shipment: Shipment) -> ManifestRow:
        customer = shipment.order.customer
        return cls(
            order_number=shipment.order.number,
            tracking_number=shipment.tracking_number,
            customer=customer.name,
            company=customer.company,
            city=customer.city,
            packages=shipment.package_count or 0,
            weight_kg=(shipment.package_weight or Decimal("0")).quantize(Decimal("0.01")),
            service=shipment.service.name if shipment.service else "",
            shipped_at=timezone.localtime(shipment.shipped_at),
        )


@dataclass(frozen=True)
class Manifest:
    carrier: Carrier
    day: datetime.date
    rows: list[ManifestRow] = field(default_factory=list)

    @classmethod
    def build(cls, *, carrier: Carrier, day: datetime.date) -> Manifest:
        shipments = manifest_shipments(carrier=carrier, day=day)
        return cls(carrier=carrier, day=day, rows=[ManifestRow.from_shipment(s) for s in shipments])

    @property
    def package_total(self) -> int:
        return sum(r.packages for r in self.rows)

    @property
    def weight_total(self) -> Decimal:
        return sum((r.weight_kg for r in self.rows), Decimal("0.00"))

    def filename(self, extension: str) -> str:
        return f"manifest-{self.carrier.code}-{self.day.isoformat()}.{extension}"


def _columns() -> list[str]:
    return [
        _("Order number"),
        _("Tracking number"),
        _("Customer"),
        _("Company"),
        _("City"),
        _("Packages"),
        _("Weight (kg)"),
        _("Service"),
        _("Shipped at"),
    ]


def render_csv(sheet: Manifest) -> bytes:
    """UTF-8 with a byte-order mark: without it Excel, which most carriers'
    depots open a CSV with, reads the Chinese names as GBK and garbles them.
    Names, companies and cities are the customer's typing: the one CSV writer
    (``orders_site.spreadsheets``) keeps them from being read as formulas."""
    return csv_bytes(
        _columns(),
        (
            [
                r.order_number,
                r.tracking_number,
                r.customer,
                r.company,
                r.city,
                r.packages,
                f"{r.weight_kg:.2f}",
                r.service,
                r.shipped_at.strftime("%Y-%m-%d %H:%M"),
            ]
            for r in sheet.rows
        ),
    )


def render_pdf(sheet: Manifest) -> bytes:
    """A4, in the reader's language, STSong-Light so Chinese names render
    and stay extractable: the shipments with totals, then the lines the
    warehouse and the driver sign; the header repeats on every page."""
    buffer = io.BytesIO()
    title = _("Hand-over manifest")
    # No middle dot here or below: STSong-Light has no glyph for it.
    subtitle = _("Carrier: %(carrier)s    Date: %(date)s") % {
        "carrier": sheet.carrier.name,
        "date": sheet.day.isoformat(),
    }
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=28 * mm,
        bottomMargin=18 * mm,
        title=f"{title} {subtitle}",
    )
    body = text_style("body", size=9, leading=11)
    head = text_style("head", size=9, leading=11, textColor=colors.HexColor("#475467"))
    big = text_style("big", size=11, leading=15)

    header = ["#", _("Order number"), _("Tracking number"), _("Customer"), _("City")]
    header += [_("Packages"), _("Weight (kg)")]
    data: list[list] = [[Paragraph(h, head) for h in header]]
    for i, r in enumerate(sheet.rows, start=1):
        customer = escape_markup(r.customer)
        if r.company:
            customer += f"<br/>{escape_markup(r.company)}"
        data.append(
            [
                str(i),
                r.order_number,
                r.tracking_number,
                Paragraph(customer, body),
                Paragraph(escape_markup(r.city), body),
                str(r.packages),
                f"{r.weight_kg:.2f}",
            ]
        )
    data.append(
        [
            "",
            Paragraph(
                ngettext("%(count)s shipment", "%(count)s shipments", len(sheet.rows))
                % {"count": len(sheet.rows)},
                body,
            ),
            "",
            "",
            Paragraph(_("Total"), body),
            str(sheet.package_total),
            f"{sheet.weight_total:.2f}",
        ]
    )
    table = Table(
        data,
        colWidths=[8 * mm, 32 * mm, 34 * mm, 48 * mm, 24 * mm, 14 * mm, 20 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                # Numbers the driver reads off the parcels: in a Latin face,
                # whose digits are clearer than the CJK font's.
                ("FONT", (0, 1), (2, -2), LATIN, 9),
                ("FONT", (5, 1), (6, -2), LATIN, 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (5, 0), (6, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f4f7")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#98a2b3")),
                ("LINEBELOW", (0, 1), (-1, -2), 0.3, colors.HexColor("#d0d5dd")),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.HexColor("#98a2b3")),
                ("FONT", (5, -1), (6, -1), "Helvetica-Bold", 10),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    blank = "_" * 22
    signatures = Table(
        [
            [
                Paragraph(_("Handed over by (warehouse)"), big),
                Paragraph(_("Received by (driver)"), big),
            ],
            [Paragraph(blank, big), Paragraph(blank, big)],
            [
                Paragraph(_("Date and time: %(blank)s") % {"blank": "_" * 14}, big),
                Paragraph(_("Vehicle plate: %(blank)s") % {"blank": "_" * 14}, big),
            ],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    signatures.setStyle(TableStyle([("TOPPADDING", (0, 1), (-1, -1), 14)]))
    statement = _(
        "The driver confirms receipt of %(packages)s packages in %(count)s shipments "
        "in good outward condition."
    ) % {"packages": sheet.package_total, "count": len(sheet.rows)}
    story = [table, Spacer(1, 10 * mm), Paragraph(statement, big), Spacer(1, 6 * mm), signatures]
    if not sheet.rows:
        story.insert(0, Paragraph(_("No shipments were handed to this carrier on this date."), big))

    def decorate(canvas, doc_):
        canvas.saveState()
        width, height = A4
        canvas.setFont(FONT, 16)
        canvas.drawString(15 * mm, height - 15 * mm, title)
        canvas.setFont(FONT, 11)
        canvas.drawString(15 * mm, height - 22 * mm, subtitle)
        canvas.setFont(FONT, 8)
        canvas.drawRightString(
            width - 15 * mm,
            10 * mm,
            _("Page %(page)s, printed %(now)s")
            % {"page": doc_.page, "now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
