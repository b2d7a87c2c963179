from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.api.views.health import healthz
from crm.web.views.jsi18n import javascript_catalog
from crm.web.views.profile import set_language

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("crm.api.urls")),
    path("", include("metrics.api.urls")),
    path("", include("goals.api.urls")),
    path("", include("automation.api.urls")),
    path("", include("automation.marketing.api.urls")),
    path("", include("crm.importing.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (`?script`), not inline: the
    # Content-Security-Policy allows scripts from this site only.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    # Ours first: Django's view, plus the signed-in user's choice stored on their account.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("", include("metrics.urls")),
    path("", include("goals.urls")),
    path("", include("automation.urls")),
    path("", include("crm.importing.urls")),
    path("", include("automation.marketing.urls")),
    path("", include("crm.web.urls")),
]
