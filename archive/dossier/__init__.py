"""An order's dossier (documentation 5.1, 5.3): everything recorded about one
order (customer, order, shipping, after-sales, the archive) as one bundle, as
JSON for other systems and as a PDF to read or file.

``dossier_order`` reads the order with everything the bundle shows in a fixed
number of queries; ``dossier_build`` turns it into the JSON-ready bundle;
``dossier_pdf`` lays the same bundle out on as many A4 pages as it needs, in
the active language (the reader's). Any order has a dossier, archived or not.
"""

from .bundle import SECTIONS, dossier_build, dossier_order
from .pdf import dossier_pdf

__all__ = ["SECTIONS", "dossier_build", "dossier_order", "dossier_pdf"]
