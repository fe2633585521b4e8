"""Issued reports in the admin: read only (an issued report is never changed or deleted)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quarter", "place", "version", "issued_at", "issued_by_name"]
    list_filter = ["place"]
    fields = [
        "quarter",
        "place",
        "status",
        "version",
        "issued_at",
        "issued_by_name",
        "reason",
        "supersedes",
        "compared_with",
        "snapshot_sha256",
        "pdf_sha256",
        "pdf_link",
    ]
    readonly_fields = fields

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        return format_html(
            '<a href="{}">Download the PDF</a>', reverse("reports:issued_pdf", args=[obj.pk])
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
