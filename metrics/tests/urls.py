"""crm.urls without the core web pages, for while a neighbour's half-written views break
the import of the real URLconf (see conftest.fallback_urlconf); same mount points."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("api/", include("metrics.api.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("", include("metrics.urls")),
]
