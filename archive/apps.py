from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """Documentation 5: what is due to be archived and the nightly job that
    archives it, the archive search, the yearly review's pages and the
    dossier. It reads every stage; its records (``ArchiveRecord``,
    ``ArchiveReview``) are the order core's, written through
    ``orders.services``."""

    name = "archive"
    verbose_name = _("Archive")
