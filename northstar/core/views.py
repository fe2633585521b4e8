from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from northstar.assets.models import Asset
from northstar.places.models import Place
from northstar.places.services import default_place

from . import services


def home(request):
    region = default_place()
    assets = Asset.objects.visible_to(request.user).active()
    return render(
        request,
        "core/home.html",
        {
            "region": region,
            "boroughs": Place.objects.boroughs_of(region) if region else [],
            "asset_total": assets.count(),
            "pipeline_total": assets.pipeline().count(),
            "theme_counts": assets.counts_by_theme(),
            "north_star": services.north_star(region) if region else None,
            "key_figures": services.key_figures(region) if region else None,
        },
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def permission_denied(request, exception=None):
    return render(request, "core/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "core/404.html", status=404)


def server_error(request):
    return render(request, "core/500.html", status=500)
