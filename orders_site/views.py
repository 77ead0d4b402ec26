"""Error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views import defaults
from django.views import i18n as i18n_views

from integrations.errors import api_json_400, api_json_403, api_json_404, api_json_500
from notifications.services import preference_save
from orders_site.limits import too_large_response


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    if request.path.startswith("/api/"):
        return api_json_400(request, exception)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return api_json_403(request, exception)
    return defaults.permission_denied(request, exception)


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
