"""The operator's desk: accounts, plans and credits, keys, S3 targets, and the ledger."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from reducer import sealing

from . import credits, keys
from .models import Account, AllowedOrigin, ApiKey, CreditEntry, Plan, S3Target


class PlanForm(forms.ModelForm):
    add_onetime_credits = forms.IntegerField(
        min_value=0, required=False, initial=0, help_text="Top up: one-time credits to add now."
    )

    class Meta:
        model = Plan
        fields = ["name", "monthly_quota", "unlimited", "subscribed_at", "renews_at"]


class PlanInline(admin.StackedInline):
    model = Plan
    form = PlanForm
    can_delete = False
    min_num = 1
    readonly_fields = ["monthly_used", "onetime_credits", "onetime_used", "reserved", "available"]

    @admin.display(description="available now")
    def available(self, plan: Plan) -> int:
        return plan.available


class AllowedOriginInline(admin.TabularInline):
    model = AllowedOrigin
    extra = 0
    verbose_name = "allowed source domain"
    verbose_name_plural = "allowed source domains (none: any public source)"


def _https_by_default(field: models.Field, **kwargs) -> forms.Field:
    # A scheme-less endpoint such as s3.example.com means https:// (Django 6's default, now).
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class S3TargetForm(forms.ModelForm):
    """The secret is write-only: sealed when entered, never shown back; left blank on edit, kept."""

    secret = forms.CharField(
        label="Secret access key",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored sealed and never shown again; leave blank to keep the stored one.",
    )

    class Meta:
        model = S3Target
        fields = ["bucket", "endpoint_url", "region", "key_prefix", "access_key_id"]
        formfield_callback = _https_by_default

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("secret") and not self.instance.secret_access_key:
            self.add_error("secret", "Enter the secret access key.")
        return cleaned

    def save(self, commit: bool = True) -> S3Target:
        if self.cleaned_data.get("secret"):
            self.instance.secret_access_key = sealing.seal(self.cleaned_data["secret"])
        return super().save(commit)


class S3TargetInline(admin.StackedInline):
    model = S3Target
    form = S3TargetForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    verbose_name = "S3 write-back target"
    verbose_name_plural = "S3 write-back targets (PUT /s3/{bucket}/{key})"


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "label", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # keys are issued by the action, which shows the plain key once


class LedgerInline(admin.TabularInline):
    model = CreditEntry
    extra = 0
    can_delete = False
    max_num = 0
    fields = ["created_at", "kind", "pool", "amount", "item", "generation", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "is_active", "plan_name", "available", "created_at"]
    search_fields = ["name", "email"]
    inlines = [PlanInline, AllowedOriginInline, S3TargetInline, ApiKeyInline, LedgerInline]
    actions = ["issue_key"]

    @admin.display(description="plan")
    def plan_name(self, account: Account) -> str:
        return account.plan.name

    @admin.display(description="credits available")
    def available(self, account: Account) -> str:
        return "unlimited" if account.plan.unlimited else str(account.plan.available)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("plan")

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        account = form.instance
        for formset in formsets:
            if formset.model is Plan:
                for plan_form in formset.forms:
                    extra = plan_form.cleaned_data.get("add_onetime_credits") or 0
                    if extra:
                        credits.top_up(account, extra, note=f"top-up by {request.user}")
        if not change:
            self._show_new_key(request, account)

    @admin.action(description="Issue a new API key (shown once)")
    def issue_key(self, request: HttpRequest, queryset: QuerySet) -> None:
        for account in queryset:
            self._show_new_key(request, account)

    def _show_new_key(self, request: HttpRequest, account: Account) -> None:
        _, plain = keys.issue(account, label=f"issued by {request.user}")
        messages.warning(request, f"New API key for {account}: {plain} — copy it now, it is not shown again.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "account", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "account__name", "label"]
    fields = ["account", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["account", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for api_key in queryset:
            keys.revoke(api_key)
        messages.success(request, f"Revoked {queryset.count()} key(s).")


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "kind", "pool", "amount", "item", "note"]
    list_filter = ["kind", "pool"]
    search_fields = ["account__name", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
