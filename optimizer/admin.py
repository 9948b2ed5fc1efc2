"""Jobs and items for the operator: what ran, for whom, and how it ended."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin import RecordAdmin, admin_time

from .models import Item, Job, Variant, WebhookEvent


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


def short_id(value) -> str:
    return str(value)[:8]


def file_name(item: Item) -> str:
    """What the operator knows the image by: the URL's last segment, or the upload's file name."""
    if item.source_url:
        return PurePosixPath(urlsplit(item.source_url).path).name or urlsplit(item.source_url).netloc
    return item.source_label


@admin.register(Item)
class ItemAdmin(RecordAdmin):
    list_display = [
        "short_id",
        "account",
        "file",
        "status",
        "original",
        "result",
        "savings",
        "duration",
        "error",
        "created",
    ]
    list_filter = ["status", "error_code"]
    list_select_related = ["account"]
    search_fields = ["id", "source_url", "source_filename", "source_sha256", "account__name"]
    readonly_fields = [field.name for field in Item._meta.fields]
    inlines = [VariantInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The smallest result worth serving of the item's current generation, for the size columns.
        smallest = (
            Variant.objects.filter(item=OuterRef("pk"), generation=OuterRef("generation"))
            .exclude(storage_name="")
            .order_by("size")
            .values("size")[:1]
        )
        return super().get_queryset(request).annotate(result_size=Subquery(smallest, output_field=IntegerField()))

    @admin.display(description="id", ordering="id")
    def short_id(self, item: Item) -> str:
        return short_id(item.pk)

    @admin.display(description="file")
    def file(self, item: Item) -> str:
        return format_html('<span title="{}">{}</span>', item.source_url or item.source_sha256, file_name(item)[:60])

    @admin.display(description="original", ordering="original_size")
    def original(self, item: Item) -> str:
        return filesizeformat(item.original_size) if item.original_size else "-"

    @admin.display(description="result")
    def result(self, item: Item) -> str:
        return filesizeformat(item.result_size) if item.result_size else "-"

    @admin.display(description="savings")
    def savings(self, item: Item) -> str:
        if not (item.result_size and item.original_size):
            return "-"
        return f"{100 * (item.original_size - item.result_size) / item.original_size:.1f} %"

    @admin.display(description="duration")
    def duration(self, item: Item) -> str:
        if not (item.started_at and item.finished_at):
            return "-"
        return f"{(item.finished_at - item.started_at).total_seconds():.1f} s"

    @admin.display(description="error", ordering="error_code")
    def error(self, item: Item) -> str:
        if not item.error_code:
            return ""
        return format_html('<span title="{}">{}</span>', item.error_message, item.error_code)

    @admin.display(description="created", ordering="created_at")
    def created(self, item: Item) -> str:
        return admin_time(item.created_at)


class ItemInline(RecordInline):
    model = Item
    fields = ["id", "source_url", "status", "error_code"]
    show_change_link = True


@admin.register(Job)
class JobAdmin(RecordAdmin):
    list_display = ["short_id", "account", "face", "items", "done", "failed", "progress", "created"]
    list_filter = ["face"]
    list_select_related = ["account"]
    readonly_fields = ["id", "account", "face", "webhook_url", "created_at"]
    inlines = [ItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                done_count=Count("items", filter=Q(items__status=Item.Status.DONE)),
                failed_count=Count("items", filter=Q(items__status=Item.Status.FAILED)),
            )
        )

    @admin.display(description="id", ordering="id")
    def short_id(self, job: Job) -> str:
        return short_id(job.pk)

    @admin.display(description="items", ordering="item_count")
    def items(self, job: Job) -> str:
        url = reverse("admin:optimizer_item_changelist") + f"?job={job.pk}"
        return format_html('<a href="{}">{}</a>', url, job.item_count)

    @admin.display(description="done", ordering="done_count")
    def done(self, job: Job) -> int:
        return job.done_count

    @admin.display(description="failed", ordering="failed_count")
    def failed(self, job: Job) -> int:
        return job.failed_count

    @admin.display(description="progress")
    def progress(self, job: Job) -> str:
        if not job.item_count:
            return "-"
        return f"{100 * (job.done_count + job.failed_count) // job.item_count} %"

    @admin.display(description="created", ordering="created_at")
    def created(self, job: Job) -> str:
        return admin_time(job.created_at)


@admin.register(WebhookEvent)
class WebhookEventAdmin(RecordAdmin):
    list_display = ["id", "account", "type", "status", "attempts", "last_status_code", "next_attempt", "created"]
    list_filter = ["status", "type"]
    search_fields = ["id", "item__id", "account__name", "endpoint__url"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]

    @admin.display(description="next attempt", ordering="next_attempt_at")
    def next_attempt(self, event: WebhookEvent) -> str:
        return admin_time(event.next_attempt_at)

    @admin.display(description="created", ordering="created_at")
    def created(self, event: WebhookEvent) -> str:
        return admin_time(event.created_at)
