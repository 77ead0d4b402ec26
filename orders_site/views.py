"""Error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from django.views import defaults

from integrations.errors import api_json_404, api_json_500


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return api_json_404(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return api_json_500(request)
    return defaults.server_error(request)
