from django.conf import settings


def service(request):
    """The service's own name on every page (no GOV.UK branding: this is not a GOV.UK service)."""
    return {
        "service_name": settings.NORTHSTAR_SERVICE_NAME,
        "organisation_name": settings.NORTHSTAR_ORGANISATION_NAME,
    }
