"""The shipping documents produced when an order is packed (process 3.3): a
delivery note / packing slip and one label per package, in the customer's
language, stored with the order so they can be printed again.

The helpers at the top (``FONT``, ``text_style``, ``escape_markup``,
``draw_barcode``) are how this project draws Chinese in a PDF; the manifest
and the order dossier use them too."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from orders.models import Order
from orders.transitions import refuse_archived

from .models import ShippingDocument

# STSong-Light is one of the CID fonts every PDF viewer supplies for Chinese:
# no font file to ship, and the text stays extractable (the delivery-note test
# reads it back with pypdf).
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def text_style(name: str, *, size: float = 9, **kwargs) -> ParagraphStyle:
    """A paragraph style in ``FONT`` that wraps Chinese text anywhere
    (``wordWrap="CJK"``: Chinese has no spaces to break at)."""
    kwargs.setdefault("leading", round(size * 1.25, 1))
    return ParagraphStyle(name, fontName=FONT, fontSize=size, wordWrap="CJK", **kwargs)


def escape_markup(text: str) -> str:
    """Paragraph text is a small markup language: escape what the user typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def draw_barcode(c: canvas.Canvas, value: str, x: float, y: float, height: float = 12 * mm):
    code128.Code128(value, barHeight=height, barWidth=0.35 * mm, humanReadable=True).drawOn(c, x, y)


def _address_lines(order: Order) -> list[str]:
    customer = order.customer
    lines = [customer.name]
    if customer.company:
        lines.append(customer.company)
    lines.append(f"{customer.province}{customer.city}{customer.district}")
    lines.append(customer.street + (f"  {customer.postcode}" if customer.postcode else ""))
    lines.append(customer.phone)
    return lines


def render_packing_slip(order: Order) -> bytes:
    """A4: order number as a barcode, customer name and address, lines,
    package count."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    c.setTitle(_("%(number)s Delivery note") % {"number": order.number})
    c.setFont(FONT, 18)
    c.drawString(20 * mm, height - 25 * mm, _("Delivery note / packing slip"))
    draw_barcode(c, order.number, width - 95 * mm, height - 35 * mm)
    c.setFont(FONT, 11)
    y = height - 45 * mm
    c.drawString(20 * mm, y, _("Order number: %(number)s") % {"number": order.number})
    y -= 6 * mm
    c.drawString(
        20 * mm,
        y,
        _("Requested delivery date: %(date)s") % {"date": order.requested_delivery_date},
    )
    y -= 10 * mm
    c.setFont(FONT, 12)
    c.drawString(20 * mm, y, _("Deliver to"))
    c.setFont(FONT, 11)
    for line in _address_lines(order):
        y -= 6 * mm
        c.drawString(25 * mm, y, line)
    y -= 12 * mm
    c.setFont(FONT, 11)
    columns = [20 * mm, 60 * mm, 150 * mm, 175 * mm]
    for x, title in zip(columns, [_("SKU"), _("Product"), _("Quantity"), _("Unit")], strict=True):
        c.drawString(x, y, title)
    y -= 2 * mm
    c.line(20 * mm, y, width - 20 * mm, y)
    for line in order.lines.select_related("product"):
        y -= 7 * mm
        if y < 40 * mm:
            c.showPage()
            c.setFont(FONT, 11)
            y = height - 25 * mm
        values = [line.product.sku, line.product.name[:40], str(line.quantity), line.product.unit]
        for x, value in zip(columns, values, strict=True):
            c.drawString(x, y, value)
    y -= 12 * mm
    count = order.packages.count()
    c.drawString(20 * mm, y, _("Packages: %(count)s") % {"count": count})
    y -= 20 * mm
    c.drawString(
        20 * mm,
        y,
        _("Received in good order by: %(signature)s") % {"signature": "_" * 20},
    )
    c.showPage()
    c.save()
    return buffer.getvalue()


def render_labels(order: Order) -> bytes:
    """One A6 label per package: order number (and its barcode), package i of
    n, address, carrier."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A6)
    width, height = A6
    packages = list(order.packages.all())
    shipment = order.shipments.filter(shipped_at__isnull=True).order_by("-pk").first()
    carrier = shipment.carrier_name if shipment and shipment.carrier_name else "—"
    for i, package in enumerate(packages, start=1):
        c.setFont(FONT, 14)
        c.drawString(8 * mm, height - 12 * mm, order.number)
        c.setFont(FONT, 12)
        c.drawRightString(
            width - 8 * mm,
            height - 12 * mm,
            _("Package %(i)s of %(n)s") % {"i": i, "n": len(packages)},
        )
        draw_barcode(c, order.number, 8 * mm, height - 32 * mm, height=14 * mm)
        y = height - 42 * mm
        c.setFont(FONT, 11)
        for line in _address_lines(order):
            c.drawString(8 * mm, y, line[:34])
            y -= 6 * mm
        y -= 4 * mm
        c.drawString(8 * mm, y, _("Carrier: %(carrier)s") % {"carrier": carrier})
        y -= 6 * mm
        c.drawString(8 * mm, y, _("Weight: %(weight)s kg") % {"weight": package.weight_kg})
        # "1/2" in large type: what the driver and the receiver count parcels by.
        c.setFont(FONT, 28)
        c.drawRightString(width - 8 * mm, 10 * mm, f"{i}/{len(packages)}")
        c.showPage()
    c.save()
    return buffer.getvalue()


def documents_generate(*, order: Order) -> list[ShippingDocument]:
    """Render and store the packing slip and labels in the customer's
    language; an earlier set (a re-pack) stays on file. Never for an
    archived order (documentation 5)."""
    refuse_archived(order)
    language = order.customer.preferred_language
    documents = []
    with translation.override(language):
        for kind, render in (
            (ShippingDocument.Kind.PACKING_SLIP, render_packing_slip),
            (ShippingDocument.Kind.LABELS, render_labels),
        ):
            doc = ShippingDocument(order=order, kind=kind, language=language)
            doc.file.save(f"{order.number}-{kind}.pdf", ContentFile(render(order)), save=False)
            doc.save()
            documents.append(doc)
    return documents
