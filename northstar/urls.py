from django.contrib import admin
from django.urls import include, path

from northstar.api import api

admin.site.site_header = "Northstar administration"
admin.site.site_title = "Northstar"

urlpatterns = [
    path("", include("northstar.core.urls")),
    path("", include("northstar.assets.urls")),
    path("", include("northstar.economy.urls")),
    path("funding/participants/", include("northstar.funding.urls")),
    path("indicators/", include("northstar.indicators.urls")),
    path("programmes/", include("northstar.programmes.urls")),
    path("pipeline/", include("northstar.pipeline.urls")),
    path("actions/", include("northstar.actions.urls")),
    path("reports/", include("northstar.reports.urls")),
    path("accounts/", include("northstar.accounts.urls")),
    path("data/organisations/", include("northstar.organisations.urls")),
    path("data/", include("northstar.ingest.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler403 = "northstar.core.views.permission_denied"
handler404 = "northstar.core.views.page_not_found"
handler500 = "northstar.core.views.server_error"
