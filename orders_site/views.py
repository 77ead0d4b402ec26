"""Error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from types import FunctionType

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import defaults
from django.views import i18n as i18n_views

from integrations.errors import api_json_400, api_json_403, api_json_404, api_json_500
from notifications.services import preference_save
from orders import roles
from orders_site.limits import too_large_response


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    if request.path.startswith("/api/"):
        return api_json_400(request, exception)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    """A page the user's role does not open: say whose page it is and lead
    back to the user's own start page, rather than a bare "Forbidden"."""
    if request.path.startswith("/api/"):
        return api_json_403(request, exception)
    return render(request, "403.html", {"owners": page_owners(request)}, status=403)


# Who works on a page, in the words of the 403 page. The integration role
# works through the API only, so no page is its own.
_ROLE_PAGE = {
    roles.SALES: gettext_lazy("This is the sales team's page."),
    roles.SALES_MANAGER: gettext_lazy("This is the sales managers' page."),
    roles.WAREHOUSE: gettext_lazy("This is the warehouse's page."),
    roles.LOGISTICS: gettext_lazy("This is the logistics team's page."),
    roles.AFTER_SALES: gettext_lazy("This is the after-sales team's page."),
}
_ROLE_NAME = {
    roles.SALES: gettext_lazy("the sales team"),
    roles.SALES_MANAGER: gettext_lazy("sales managers"),
    roles.WAREHOUSE: gettext_lazy("the warehouse"),
    roles.LOGISTICS: gettext_lazy("the logistics team"),
    roles.AFTER_SALES: gettext_lazy("the after-sales team"),
}


def page_owners(request) -> str:
    """The 403 page's "This is the warehouse's page." or "This page is for
    sales managers and the after-sales team.": the roles (``orders.roles``)
    that hold every permission the page's view requires. The admin is the
    sales managers'. Empty when it is no role's page (a superuser's only)."""
    match = request.resolver_match
    return owners_of(match.func, app_name=match.app_name) if match else ""


def owners_of(view, *, app_name: str = "") -> str:
    """:func:`page_owners` for a view of the URL namespace ``app_name``."""
    if app_name == "admin":
        return str(_ROLE_PAGE[roles.SALES_MANAGER])
    required = required_permissions(view)
    if not required:
        return ""
    owners = [
        role
        for role, held in roles.ROLE_PERMISSIONS.items()
        if role in _ROLE_PAGE and required <= set(held)
    ]
    if not owners:
        return ""
    if len(owners) == 1:
        return str(_ROLE_PAGE[owners[0]])
    names = [str(_ROLE_NAME[role]) for role in owners]
    listed = _("%(roles)s and %(last)s") % {
        "roles": pgettext("between the items of a list", ", ").join(names[:-1]),
        "last": names[-1],
    }
    return _("This page is for %(roles)s.") % {"roles": listed}


def required_permissions(view) -> set[str]:
    """The permissions ``permission_required`` checks before ``view``.

    Django keeps them only in the decorator's closures: the view is wrapped
    in a function whose closure holds the test ``check_perms``, whose own
    closure holds ``perms``; further decorators (``login_required``,
    ``require_GET``, ``warehouse_view``) wrap that again. So walk the
    wrappers' closures and ``__wrapped__`` until the test turns up."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [view]
    while stack:
        func = stack.pop()
        if not isinstance(func, FunctionType) or id(func) in seen:
            continue
        seen.add(id(func))
        cells = dict(zip(func.__code__.co_freevars, func.__closure__ or (), strict=True))
        if func.__name__ == "check_perms" and "perms" in cells:
            found |= set(cells["perms"].cell_contents)
            continue
        for cell in cells.values():
            try:
                stack.append(cell.cell_contents)
            except ValueError:  # a cell not filled yet
                continue
        stack.append(getattr(func, "__wrapped__", None))
    return found


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_json_404(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_json_500(request)
    return defaults.server_error(request)


def favicon(request):
    """Browsers and tools that ask for ``/favicon.ico`` without reading the
    page's ``<link rel="icon">`` (the admin's pages had none): the static
    icon. Not permanent, so a new icon's hashed name is picked up."""
    return redirect(static("orders/favicon.ico"))


@login_required
def home(request):
    """``/`` and where a user lands after logging in (also for ``next=/``):
    the screen of their job. Managers start at the review queue, the
    warehouse on its tablet queue, logistics on its hand-over list,
    after-sales at the follow-ups due; sales (and anyone else) at the order
    list."""
    user = request.user
    if user.is_staff and user.has_perm("orders.review_order"):
        return redirect("admin:orders_order_review_queue")
    if not user.has_perm("orders.add_order"):
        if user.has_perm("orders.pick_order"):
            return redirect("warehouse:queue")
        if user.has_perm("orders.ship_order"):
            return redirect("shipping:packed")
        if user.has_perm("aftersales.handle_case"):
            return redirect("aftersales:follow_ups")
    return redirect("orders:list")


def set_language(request):
    """Django's language switch, remembered for a signed-in user so that the
    emails they receive come in the language they chose."""
    response = i18n_views.set_language(request)
    language = request.POST.get(i18n_views.LANGUAGE_QUERY_PARAMETER)
    if request.method == "POST" and request.user.is_authenticated and language:
        preference_save(user=request.user, language=language)
    return response
