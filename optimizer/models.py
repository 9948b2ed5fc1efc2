"""The one job model every face shares: Job (a request), Item (a source + options), Variant (a file)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import models

# The longest uploaded file name kept: enough for a camera's or a CMS's names, short enough for a list.
FILE_NAME_LENGTH = 120


class Job(models.Model):
    class Face(models.TextChoices):
        SHORTPIXEL = "shortpixel"
        V1 = "v1"
        S3 = "s3"
        TINIFY = "tinify"
        INTERNAL = "internal"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="jobs")
    face = models.CharField(max_length=20, choices=Face.choices)
    webhook_url = models.URLField(max_length=2000, blank=True, help_text="Where this job's events are sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.face} job {self.id}"


class Item(models.Model):
    """One source with its effective options. Every status change is a conditional UPDATE."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        EXPIRED = "expired"  # results deleted after the retention period

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="items")
    # sha256 of (source, effective options): a re-submission with the same identity is this item.
    identity = models.CharField(max_length=64)
    # sha256 of (source, options but the targets): items of one family differ only in what they make,
    # so a request for targets an item of the family already makes is answered by that item.
    family = models.CharField(max_length=64, blank=True)
    source_url = models.TextField(blank=True)
    source_name = models.CharField(
        max_length=255,
        blank=True,
        help_text="Storage name of the source's bytes: the upload, or what the fetch step downloaded for a URL.",
    )
    # URL sources: the generation whose download source_name holds (0: none yet). Until it is the
    # item's generation, the item waits for the fetch step (optimizer.fetching), not a CPU worker.
    fetched_generation = models.PositiveIntegerField(default=0)
    source_sha256 = models.CharField(max_length=64, blank=True)
    source_filename = models.CharField(
        max_length=FILE_NAME_LENGTH, blank=True, help_text="The uploaded file's name, without its folders."
    )
    # Basic-auth credentials for fetching the source, sealed (accounts.sealing); not in the identity.
    source_auth = models.TextField(blank=True, editable=False)
    options = models.JSONField(help_text="The engine Spec this item runs with.")
    # S3 write-back: the result is written to this bucket under this key before the item is done.
    s3_target = models.ForeignKey(
        "accounts.S3Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    s3_key = models.CharField(max_length=1024, blank=True)
    # False: the work is free whatever it saves (it still holds a credit while it runs, like any
    # item). A Tinify preserve or background of a kept output re-makes it without charge.
    charged = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # A refresh starts a new generation: older runs and their files can no longer touch the item.
    generation = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0, help_text="Starts of this generation, counted at start.")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker holding the lease.")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    original_size = models.BigIntegerField(null=True, blank=True)
    # The engine's expected CPU-seconds for the item's targets (engine.cost.estimate: its header and the
    # memory budget's plan), kept when the source's bytes are first in hand (the upload, the fetch
    # step's download) so that an estimate never reads the source again. Empty until then.
    expected_cpu_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["account", "identity"], name="one_item_per_identity")]
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], name="item_status_lease"),
            models.Index(fields=["status", "finished_at"], name="item_status_finished"),
            models.Index(fields=["account", "family"], name="item_account_family"),
        ]

    def __str__(self) -> str:
        return f"item {self.id} ({self.status})"

    @property
    def source_label(self) -> str:
        """What people know the image by: its URL, the uploaded file's name, or (an upload sent
        without a name) its content hash."""
        return self.source_url or self.source_filename or f"upload {self.source_sha256[:12]}"


class Variant(models.Model):
    """One output file of an item's generation, with what the engine measured."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="variants")
    generation = models.PositiveIntegerField()
    name = models.CharField(max_length=40, help_text="The target it answers, e.g. lossy-original, lossy-webp.")
    format = models.CharField(max_length=10)
    storage_name = models.CharField(max_length=255, blank=True, help_text="Empty when not worth serving.")
    size = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    setting = models.CharField(max_length=100, blank=True)
    score = models.FloatField(null=True, blank=True)
    smaller = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "generation", "name"], name="one_variant_per_target")]

    def __str__(self) -> str:
        return f"{self.name} of {self.item_id}"


class WebhookEvent(models.Model):
    """The outbox: one row per finished item generation whose job has a webhook endpoint.

    Inserted in the transaction that finishes the item, so an event exists exactly when the
    state change does; its id is the ``webhook-id`` of every delivery attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # retries used up, or the URL may not be reached at all
        DISABLED = "disabled"  # the endpoint answered 410 Gone

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="webhook_events")
    endpoint = models.ForeignKey("accounts.WebhookEndpoint", on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="webhook_events")
    generation = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["item", "generation"], name="one_event_per_generation")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_event_due")]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.status})"

    @property
    def message_id(self) -> str:
        return f"msg_{self.id.hex}"


class WorkerBeat(models.Model):
    """A task worker process seen alive: its keeper thread writes the row every heartbeat, so
    /healthz can tell whether anything will take queued work."""

    name = models.CharField(primary_key=True, max_length=100, help_text="host:pid of the worker process.")
    seen_at = models.DateTimeField(db_index=True)
    draining = models.BooleanField(default=False, help_text="Stopping: takes no new work.")

    # A keeper beats every REDUCER_HEARTBEAT_SECONDS (10 by default): a minute of silence is a dead worker.
    SEEN_ALIVE_WITHIN = timedelta(minutes=1)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def taking_work(cls, now: datetime) -> models.QuerySet[WorkerBeat]:
        """Workers seen alive in the last minute that are not draining: what /healthz and /metrics count."""
        return cls.objects.filter(seen_at__gte=now - cls.SEEN_ALIVE_WITHIN, draining=False)


class IdempotentSubmit(models.Model):
    """A submit made with an Idempotency-Key header: a retry with the same key and request gets the
    same item (never a second one, never a second charge); the same key with another request is
    refused. Keys are kept REDUCER_IDEMPOTENCY_SECONDS."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="idempotent_submits")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64, help_text="Hash of the parsed request: source and options.")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, related_name="idempotent_submits")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="one_submit_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.item_id}"
