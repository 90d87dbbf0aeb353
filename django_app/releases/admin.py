from django.contrib import admin

from releases.models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "hostname", "started_at"]
    list_filter = ["version"]
    search_fields = ["version", "hostname"]
    date_hierarchy = "started_at"
