"""Jobs and items for the operator: what ran, for whom, and how it ended."""

from __future__ import annotations

from django.contrib import admin

from .models import Item, Job, Variant, WebhookEvent


class RecordAdmin(admin.ModelAdmin):
    """What the service wrote, shown to the operator; never added by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RecordInline(admin.TabularInline):
    """Rows the service wrote, listed under their parent: shown, never added, edited or deleted."""

    extra = 0
    can_delete = False
    max_num = 0

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return list(self.fields)


class VariantInline(RecordInline):
    model = Variant
    fields = ["name", "format", "size", "width", "height", "setting", "score", "smaller", "storage_name", "note"]


@admin.register(Item)
class ItemAdmin(RecordAdmin):
    list_display = ["id", "account", "source_label", "status", "attempts", "error_code", "created_at", "finished_at"]
    list_filter = ["status", "error_code"]
    search_fields = ["id", "source_url", "source_sha256", "account__name"]
    readonly_fields = [field.name for field in Item._meta.fields]
    inlines = [VariantInline]


class ItemInline(RecordInline):
    model = Item
    fields = ["id", "source_url", "status", "error_code"]
    show_change_link = True


@admin.register(Job)
class JobAdmin(RecordAdmin):
    list_display = ["id", "account", "face", "created_at"]
    list_filter = ["face"]
    readonly_fields = ["id", "account", "face", "webhook_url", "created_at"]
    inlines = [ItemInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(RecordAdmin):
    list_display = ["id", "account", "type", "status", "attempts", "last_status_code", "next_attempt_at", "created_at"]
    list_filter = ["status", "type"]
    search_fields = ["id", "item__id", "account__name", "endpoint__url"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]
