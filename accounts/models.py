"""Who may call, and how much: accounts, their keys, their plan and the credit ledger."""

from __future__ import annotations

import calendar
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


def add_month(moment: datetime) -> datetime:
    """The same day next month, clamped to the month's last day (Jan 31 -> Feb 28)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _default_renewal() -> datetime:
    return add_month(timezone.now())


def _default_monthly_quota() -> int:
    return settings.REDUCER_DEFAULT_MONTHLY_QUOTA


def _default_rate_limit() -> int:
    return settings.REDUCER_RATE_LIMIT_PER_MINUTE


class Account(models.Model):
    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive accounts are refused like unknown keys.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """The account's subscription and balances. Only accounts.credits changes the counters."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="plan")
    name = models.CharField(max_length=100, default="standard")
    monthly_quota = models.PositiveIntegerField(default=_default_monthly_quota)
    unlimited = models.BooleanField(default=False)
    subscribed_at = models.DateTimeField(default=timezone.now)
    renews_at = models.DateTimeField(default=_default_renewal)
    monthly_used = models.PositiveIntegerField(default=0, editable=False)
    onetime_credits = models.PositiveIntegerField(default=0, editable=False)
    onetime_used = models.PositiveIntegerField(default=0, editable=False)
    # Credits held by items that are queued or running; settled on success, released on failure.
    reserved = models.PositiveIntegerField(default=0, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        default=_default_rate_limit, help_text="API requests per minute allowed to each key of the account."
    )

    def __str__(self) -> str:
        return f"{self.name} plan of {self.account}"

    @property
    def monthly_left(self) -> int:
        return max(self.monthly_quota - self.monthly_used, 0)

    @property
    def onetime_left(self) -> int:
        return max(self.onetime_credits - self.onetime_used, 0)

    @property
    def available(self) -> int:
        """Credits a new item may still reserve."""
        return max(self.monthly_left + self.onetime_left - self.reserved, 0)


class ApiKey(models.Model):
    """A 20-character key, kept only as its SHA-256 digest: the plain key is shown once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="keys")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=4, help_text="First characters of the key, to tell keys apart.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.account})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CreditEntry(models.Model):
    """The ledger: one row per movement of a balance, written with the counter change.

    ``amount`` is the size of the movement; accounts.credits.SIGNED_AMOUNT turns it into the change
    of the credits available, so an account's signed amounts add up to ``Plan.available``.
    """

    class Kind(models.TextChoices):
        RESERVE = "reserve"
        SETTLE = "settle"
        RELEASE = "release"
        TOPUP = "topup"
        # The monthly quota granted for a period, the first one included.
        RENEWAL = "renewal"
        # Monthly credits left unused when their period ended.
        EXPIRY = "expiry"
        # A signed correction: a changed monthly quota, or the balance carried into the ledger.
        ADJUSTMENT = "adjustment"

    class Pool(models.TextChoices):
        MONTHLY = "monthly"
        ONETIME = "onetime"
        NONE = ""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ledger")
    item = models.ForeignKey(
        "optimizer.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="credit_entries"
    )
    generation = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pool = models.CharField(max_length=10, choices=Pool.choices, blank=True)
    amount = models.IntegerField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "credit entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A re-delivered task can never reserve, settle or release the same work twice.
            models.UniqueConstraint(
                fields=["item", "generation", "kind"],
                condition=models.Q(item__isnull=False),
                name="one_credit_entry_per_item_generation_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.account})"


class RateWindow(models.Model):
    """Requests counted for one key in one minute; only accounts.throttling touches it."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField(help_text="Minutes since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_rate_window_per_key_minute")]


class AllowedOrigin(models.Model):
    """A source domain the account may optimize URLs from. No rows: any public source."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="allowed_origins")
    domain = models.CharField(max_length=253, help_text="example.com also allows its subdomains (cdn.example.com).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "domain"], name="one_row_per_allowed_domain")]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().strip(".").lower()
        super().save(*args, **kwargs)


class SourceCredential(models.Model):
    """Basic-auth credentials the fetcher sends to one source domain (and its subdomains)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="source_credentials")
    domain = models.CharField(max_length=253, help_text="example.com also covers its subdomains.")
    username = models.CharField(max_length=200)
    # Sealed (accounts.sealing): a database dump alone does not reveal it; never shown back.
    password = models.TextField(editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "domain"], name="one_credential_per_domain")]

    def __str__(self) -> str:
        return f"{self.username}@{self.domain}"

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().strip(".").lower()
        super().save(*args, **kwargs)


class WebhookEndpoint(models.Model):
    """A URL the account's job events go to: the account default, or one a request named.

    An endpoint that answered 410 Gone is disabled: nothing more is sent to it until an
    operator clears ``disabled_at``.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    is_default = models.BooleanField(
        default=False, help_text="Receives the events of every v1 job that names no webhook_url."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "url"], name="one_endpoint_per_url"),
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(is_default=True), name="one_default_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return self.url


class SigningSecret(models.Model):
    """A ``whsec_`` secret that signs the account's webhooks. After a rotation the old one keeps
    signing alongside the new one until ``expires_at``, so receivers can switch without a gap."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="signing_secrets")
    secret = models.TextField(editable=False)  # sealed
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signing secret of {self.account} ({self.created_at:%Y-%m-%d})"


class S3Target(models.Model):
    """An S3-compatible bucket the account's PUT /s3/{bucket}/{key} results are written to."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="s3_targets")
    bucket = models.CharField(max_length=63, help_text="The bucket name, as used in PUT /s3/{bucket}/{key}.")
    endpoint_url = models.URLField(
        max_length=500, blank=True, help_text="e.g. https://s3.eu-central-1.amazonaws.com; empty: AWS default."
    )
    region = models.CharField(max_length=50, default="us-east-1")
    key_prefix = models.CharField(max_length=500, blank=True, help_text="Prepended to every key, e.g. optimized/.")
    access_key_id = models.CharField(max_length=200)
    # Sealed (accounts.sealing); never shown back in the admin.
    secret_access_key = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "S3 target"
        constraints = [models.UniqueConstraint(fields=["account", "bucket"], name="one_target_per_bucket")]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key_prefix}"
