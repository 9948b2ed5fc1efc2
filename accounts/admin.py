"""The operator's desk: accounts, plans and credits, keys, the ledger, source rules, webhooks
and S3 write-back targets."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from optimizer import s3
from optimizer.fetch import FetchError, ForbiddenAddress, InvalidURL
from reducer.v1.webhooks.delivery import check_webhook_url

from . import credits, keys, sealing, signing_secrets
from .credits import SIGNED_AMOUNT
from .models import (
    Account,
    AllowedOrigin,
    ApiKey,
    CreditEntry,
    Plan,
    S3Target,
    SourceCredential,
    WebhookEndpoint,
)


class PlanForm(forms.ModelForm):
    add_onetime_credits = forms.IntegerField(
        min_value=0, required=False, initial=0, help_text="Top up: one-time credits to add now."
    )

    class Meta:
        model = Plan
        fields = ["name", "monthly_quota", "unlimited", "subscribed_at", "renews_at"]

    def save(self, commit: bool = True) -> Plan:
        if not (commit and self.instance.pk):
            return super().save(commit)
        # Only the fields the operator changed are written: the counters loaded with the page may
        # be stale by now. A changed quota goes through accounts.credits, which writes its ledger row.
        plan_fields = {field.name for field in Plan._meta.concrete_fields} - {"monthly_quota"}
        self.instance.save(update_fields=[name for name in self.changed_data if name in plan_fields])
        if "monthly_quota" in self.changed_data:
            credits.change_monthly_quota(self.instance.account_id, self.cleaned_data["monthly_quota"])
        return self.instance


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


def _https_url(model: type[models.Model], name: str) -> forms.URLField:
    """The model's URL field as a form field where a scheme-less URL means https:// (Django 6's
    default, now). Declared on the form, so the admin keeps it."""
    field = model._meta.get_field(name)
    return forms.URLField(
        max_length=field.max_length, required=not field.blank, assume_scheme="https", help_text=field.help_text
    )


class SealedSecretForm(forms.ModelForm):
    """A secret typed in, stored sealed in ``sealed_field`` and never shown back; left blank on
    a change, the stored one stays."""

    sealed_field = ""
    secret_label = "secret"
    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        help_text="Stored encrypted and never shown again; leave blank to keep the stored one.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].label = self.secret_label.capitalize()

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if not secret and not getattr(self.instance, self.sealed_field):
            raise ValidationError(f"Enter the {self.secret_label}.")
        return secret

    def save(self, commit: bool = True):
        if self.cleaned_data.get("secret"):
            setattr(self.instance, self.sealed_field, sealing.seal(self.cleaned_data["secret"]))
        return super().save(commit)


class SourceCredentialForm(SealedSecretForm):
    sealed_field = secret_label = "password"

    class Meta:
        model = SourceCredential
        fields = ["domain", "username"]


class SourceCredentialInline(admin.TabularInline):
    model = SourceCredential
    form = SourceCredentialForm
    extra = 0
    verbose_name = "source credential (basic auth)"
    verbose_name_plural = "source credentials (basic auth sent to these domains and their subdomains)"


class WebhookEndpointForm(forms.ModelForm):
    url = _https_url(WebhookEndpoint, "url")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "is_default", "disabled_at", "disabled_reason"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_webhook_url(url)
        except FetchError as error:
            raise ValidationError(error.message) from None
        return url


class WebhookEndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    form = WebhookEndpointForm
    extra = 0
    verbose_name_plural = "webhook endpoints (clear 'disabled at' to enable one again)"


class S3TargetForm(SealedSecretForm):
    sealed_field = "secret_access_key"
    secret_label = "secret access key"
    endpoint_url = _https_url(S3Target, "endpoint_url")

    class Meta:
        model = S3Target
        fields = ["bucket", "endpoint_url", "region", "key_prefix", "access_key_id"]

    def clean_endpoint_url(self) -> str:
        url = self.cleaned_data["endpoint_url"]
        if not url:
            return url  # AWS's own endpoint
        try:
            s3.check_endpoint(url)
        except (InvalidURL, ForbiddenAddress) as refused:
            raise ValidationError(
                f"{refused.message} A store on a private network must be allowed in "
                "REDUCER_FETCH_ALLOW_CIDRS, as address:port (e.g. 10.0.0.5:9000)."
            ) from None
        except FetchError:
            pass  # a name that does not resolve now: the write will say so, it may resolve later
        return url


class S3TargetInline(admin.StackedInline):
    model = S3Target
    form = S3TargetForm
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


# The operator's admin carries the service's name, and its "view site" link opens the public pages.
admin.site.site_header = "reducer administration"
admin.site.site_title = "reducer admin"
admin.site.index_title = "Accounts, jobs and credits"
admin.site.site_url = "/"

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def admin_time(moment) -> str:
    """Admin times to the second (the default "8 a.m." hides minutes), on one line in a list."""
    if not moment:
        return "-"
    return format_html('<span style="white-space: nowrap">{}</span>', moment.strftime(TIME_FORMAT))


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "is_active", "plan_name", "available", "created_at"]
    search_fields = ["name", "email"]
    inlines = [
        PlanInline,
        AllowedOriginInline,
        SourceCredentialInline,
        WebhookEndpointInline,
        S3TargetInline,
        ApiKeyInline,
    ]
    actions = ["issue_key", "rotate_signing_secret"]
    readonly_fields = ["webhook_signing_secret", "credit_ledger"]

    @admin.display(description="credit ledger")
    def credit_ledger(self, account: Account) -> str:
        # The ledger grows by two or three rows per image: a paginated page of its own, not an inline.
        if account.pk is None:
            return "-"
        url = reverse("admin:accounts_creditentry_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">{} entries</a>', url, account.ledger.count())

    @admin.display(description="webhook signing secret")
    def webhook_signing_secret(self, account: Account) -> str:
        if account.pk is None:
            return "created with the account"
        return signing_secrets.current(account.pk)

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
        if not change:
            credits.grant_first_period(account.pk)
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

    @admin.action(description="Rotate the webhook signing secret (the old one keeps signing for a while)")
    def rotate_signing_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for account in queryset:
            signing_secrets.rotate(account.pk)
        messages.success(request, f"Rotated the signing secret of {queryset.count()} account(s).")

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


def add_running_balances(entries: list[CreditEntry]) -> None:
    """Set ``running`` on each entry: its account's signed amounts summed up to and including it.

    For the rows of one page only: one sum per account of what precedes its oldest row on the
    page, then a running total within the page (a per-row subquery would be computed for every
    row of the ledger before the page is cut).
    """
    by_account: dict[int, list[CreditEntry]] = {}
    for entry in entries:
        by_account.setdefault(entry.account_id, []).append(entry)
    for account_id, rows in by_account.items():
        rows.sort(key=lambda entry: entry.pk)
        before = CreditEntry.objects.filter(account_id=account_id, pk__lt=rows[0].pk)
        running = before.aggregate(total=Sum(SIGNED_AMOUNT))["total"] or 0
        for entry in rows:
            running += entry.signed
            entry.running = running


class LedgerChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        add_running_balances(list(self.result_list))


class RecordAdmin(admin.ModelAdmin):
    """What the service wrote, shown to the operator: read only, so its pages have no Save or Delete."""

    list_per_page = 100
    show_full_result_count = False  # a second COUNT(*) over a large table on every filtered page

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @property
    def media(self) -> forms.Media:
        # Read-only pages without actions need none of the admin's form scripts (jQuery, xregexp,
        # URL slugs, related-object pop-ups); parsing them was most of the browser's work on a
        # page of 100 ledger rows.
        return forms.Media()


@admin.register(CreditEntry)
class CreditEntryAdmin(RecordAdmin):
    list_display = ["when", "account", "kind", "pool", "change", "balance", "item_short", "note"]
    list_filter = ["kind", "pool"]
    search_fields = ["account__name", "note"]
    list_select_related = ["account"]
    ordering = ["-id"]  # the order of the running balance

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(signed=SIGNED_AMOUNT)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return LedgerChangeList

    @admin.display(description="time", ordering="created_at")
    def when(self, entry: CreditEntry) -> str:
        return admin_time(entry.created_at)

    @admin.display(description="available ±")
    def change(self, entry: CreditEntry) -> str:
        return f"{entry.signed:+d}" if entry.signed else "0"

    @admin.display(description="running balance")
    def balance(self, entry: CreditEntry) -> str:
        return f"{entry.running:+d}"

    @admin.display(description="item")
    def item_short(self, entry: CreditEntry) -> str:
        if entry.item_id is None:
            return "-"
        url = reverse("admin:optimizer_item_change", args=[entry.item_id])
        return format_html('<a href="{}">{}</a>', url, str(entry.item_id)[:8])
