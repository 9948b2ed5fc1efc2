"""What the faces call: submit work, find items. Transactions, credits and enqueueing live here."""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts import credits, origins, sealing
from accounts.models import Account, S3Target
from optimizer.engine import Spec

from . import estimates, lifecycle, observe, results, storage
from .models import FILE_NAME_LENGTH, Item, Job
from .options import family, identity, spec_from_json, to_json
from .queue import enqueue


def clean_file_name(name: str) -> str:
    """A client's file name as it may be shown: no folders, no control characters, runs of spaces
    made one, at most FILE_NAME_LENGTH characters with the extension kept."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(" " if unicodedata.category(char)[0] == "C" else char for char in name).split())
    if len(name) <= FILE_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[: FILE_NAME_LENGTH - 1] + "…"
    return stem[: FILE_NAME_LENGTH - len(extension) - 2] + "…." + extension


@dataclass(frozen=True)
class UrlSource:
    url: str
    auth: tuple[str, str] | None = None  # basic auth for the origin; not part of the identity


@dataclass(frozen=True)
class UploadSource:
    data: bytes
    # The file's name as the client sent it, for people to recognise it; not part of the identity.
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_file_name(self.name))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class WorkRequest:
    source: UrlSource | UploadSource
    spec: Spec
    # S3 write-back: the worker writes the result to this target under this full key before done.
    s3_target: S3Target | None = None
    s3_key: str = ""
    charged: bool = True  # False: free work (see Item.charged), never the same item as charged work


@dataclass(frozen=True)
class Submitted:
    """The outcome for one WorkRequest: its item, or why there is none (``no_credits``,
    ``origin_not_allowed``)."""

    item: Item | None
    started: bool = False  # new work was queued (and a credit reserved) by this call
    error: str = ""


class _NoCredits(Exception):
    pass


def submit(
    account: Account,
    face: str,
    requests: list[WorkRequest],
    *,
    refresh: bool = False,
    dedupe: bool = True,
    webhook_url: str = "",
) -> list[Submitted]:
    """Find or create one item per request, in order; queue the new work after commit.

    With ``dedupe`` a request whose source and options match an existing item of the account
    returns that item (that is how clients poll), and so does one asking only for outputs an item
    of the same source and options already makes; ``refresh`` redoes a finished one. New items
    belong to one new job, whose events go to ``webhook_url``.
    """
    for request in requests:
        if isinstance(request.source, UploadSource):
            _keep_upload(account, request.source)
    allowed = origins.rule(account.pk)
    keys = []
    for request in requests:
        source_ref = _source_ref(request.source)
        if not dedupe:
            source_ref["nonce"] = uuid.uuid4().hex
        if not request.charged:
            source_ref["charged"] = False
        keys.append(Key(identity(source_ref, request.spec), family(source_ref, request.spec)))
    wanted = [(key, request.spec) for key, request in zip(keys, requests, strict=True)]

    def outcomes(existing: dict[str, Item]) -> list[Submitted]:
        answered: list[Submitted] = []
        job: Job | None = None
        for request, key in zip(requests, keys, strict=True):
            if isinstance(request.source, UrlSource) and not allowed(request.source.url):
                answered.append(Submitted(item=None, error="origin_not_allowed"))
            elif key.identity in existing:
                answered.append(_resubmit(existing[key.identity], refresh=refresh))
            else:
                job = job or Job.objects.create(account=account, face=face, webhook_url=webhook_url)
                outcome = _create(job, request, key)
                if outcome.item is not None:  # the same source twice in one request is one item
                    existing[key.identity] = outcome.item
                answered.append(outcome)
        return answered

    if dedupe:
        # A poll names items that exist and need nothing done: it is answered from this one read,
        # without a write transaction (on SQLite, BEGIN IMMEDIATE takes the database's one write lock).
        existing = _existing(account, wanted)
        if not any(
            _needs_work(existing.get(key.identity), refresh)
            for request, key in zip(requests, keys, strict=True)
            if not isinstance(request.source, UrlSource) or allowed(request.source.url)
        ):
            return outcomes(existing)
    with transaction.atomic():
        # Read (again) under the transaction: another request may have made some of the items since.
        return outcomes(_existing(account, wanted))


def _needs_work(item: Item | None, refresh: bool) -> bool:
    """Whether answering a request for ``item`` creates or restarts one (see ``_resubmit``)."""
    return item is None or refresh or item.status == Item.Status.EXPIRED


@dataclass(frozen=True)
class Key:
    identity: str
    family: str


def find_upload(account: Account, sha256: str, spec: Spec) -> Item | None:
    """The item that answers a poll for an uploaded file (by its content hash) with these options."""
    source_ref = {"sha256": sha256}
    key = Key(identity(source_ref, spec), family(source_ref, spec))
    return _existing(account, [(key, spec)]).get(key.identity)


def url_identity(url: str, spec: Spec) -> str:
    """The identity of the item that a request for ``url`` with ``spec`` names (see ``submit``)."""
    return identity(_source_ref(UrlSource(url)), spec)


class ItemState(NamedTuple):
    id: uuid.UUID
    generation: int
    status: str


def item_states(account_id: int, identities: Iterable[str]) -> dict[str, ItemState]:
    """Where the account's items of these identities stand, by identity, for polls that need no
    more. One query in plain SQL: building it through the ORM cost ten times more CPU than running it."""
    wanted = list(set(identities))
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_ITEM_STATES.format(", ".join(["%s"] * len(wanted))), [account_id, *wanted])
        rows = cursor.fetchall()
    item_id = Item._meta.pk.to_python  # the database's own form of a UUID (text on SQLite)
    return {identity: ItemState(item_id(pk), generation, status) for identity, pk, generation, status in rows}


def _item_states_sql() -> str:
    quote = connection.ops.quote_name
    field = Item._meta.get_field
    columns = ", ".join(quote(field(name).column) for name in ("identity", "id", "generation", "status"))
    where = f"{quote(field('account').column)} = %s AND {quote(field('identity').column)} IN ({{}})"
    return f"SELECT {columns} FROM {quote(Item._meta.db_table)} WHERE {where}"


_ITEM_STATES = _item_states_sql()


@functools.cache
def _job_item_state_sql(face_count: int) -> str:
    def column(model: type[models.Model], name: str) -> str:
        quote = connection.ops.quote_name
        return f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(name).column)}"

    faces = ", ".join(["%s"] * face_count)
    return (
        f"SELECT {column(Item, 'generation')}, {column(Item, 'status')}"
        f" FROM {connection.ops.quote_name(Item._meta.db_table)} JOIN {connection.ops.quote_name(Job._meta.db_table)}"
        f" ON {column(Item, 'job')} = {column(Job, 'id')}"
        f" WHERE {column(Item, 'id')} = %s AND {column(Item, 'account')} = %s AND {column(Job, 'face')} IN ({faces})"
    )


def job_item_state(account_id: int, item_id: uuid.UUID, faces: Sequence[str]) -> ItemState | None:
    """Where the account's item ``item_id`` stands, if it is of a job of one of ``faces``: for the
    polls of one job. One query in plain SQL, as item_states."""
    with connection.cursor() as cursor:
        cursor.execute(
            _job_item_state_sql(len(faces)),
            [Item._meta.pk.get_db_prep_value(item_id, connection), account_id, *faces],
        )
        row = cursor.fetchone()
    return None if row is None else ItemState(item_id, *row)


def _existing(account: Account, wanted: list[tuple[Key, Spec]]) -> dict[str, Item]:
    """Items that answer the requests, by request identity: the item of that identity, or else a
    live item of the same family that already makes every target asked for (a re-send for only a
    conversion made earlier is answered from that work, not charged again)."""
    identities = {key.identity for key, _ in wanted}
    found = {item.identity: item for item in Item.objects.filter(account=account, identity__in=identities)}
    missing = [(key, spec) for key, spec in wanted if key.identity not in found]
    if not missing:
        return found
    relatives = Item.objects.filter(account=account, family__in={key.family for key, _ in missing})
    for relative in relatives.exclude(status=Item.Status.EXPIRED).order_by("-created_at"):
        makes = spec_from_json(relative.options)
        for key, spec in missing:
            if key.identity not in found and key.family == relative.family and results.covers(makes, spec):
                found[key.identity] = relative
    return found


def _source_ref(source: UrlSource | UploadSource) -> dict:
    if isinstance(source, UrlSource):
        return {"url": source.url}
    return {"sha256": source.sha256}


def _keep_upload(account: Account, source: UploadSource) -> None:
    # Content-addressed, so an identical re-upload (clients re-send on every poll) writes nothing.
    name = storage.source_name(account.pk, source.sha256)
    if not default_storage.exists(name):
        storage.write(name, source.data)


def _create(job: Job, request: WorkRequest, key: Key) -> Submitted:
    source = request.source
    fields = {
        "job": job,
        "account_id": job.account_id,
        "identity": key.identity,
        "family": key.family,
        "options": to_json(request.spec),
        "enqueued_at": timezone.now(),
        "s3_target": request.s3_target,
        "s3_key": request.s3_key,
        "charged": request.charged,
    }
    if isinstance(source, UrlSource):
        fields["source_url"] = source.url
        if source.auth:
            fields["source_auth"] = sealing.seal(json.dumps(source.auth))
    else:
        fields.update(
            source_name=storage.source_name(job.account_id, source.sha256),
            source_sha256=source.sha256,
            source_filename=source.name,
            original_size=len(source.data),
            **estimates.source_fields(source.data, request.spec),
        )
    try:
        with transaction.atomic():
            item = Item.objects.create(**fields)
            if not credits.reserve(job.account_id, item.pk, item.generation):
                raise _NoCredits
    except _NoCredits:
        return Submitted(item=None, error="no_credits")
    except IntegrityError:
        # A concurrent request created the same item first: it is the one to report.
        return Submitted(item=Item.objects.get(account_id=job.account_id, identity=key.identity))
    transaction.on_commit(lambda: enqueue(item.pk, item.generation))
    transaction.on_commit(lambda: observe.submitted(job.face))
    return Submitted(item=item, started=True)


def _resubmit(item: Item, *, refresh: bool) -> Submitted:
    # Expired results are redone on request rather than reported as lost.
    if not refresh and item.status != Item.Status.EXPIRED:
        return Submitted(item=item)
    try:
        with transaction.atomic():
            generation = lifecycle.restart(item)
            if generation is None:  # still queued or running: nothing to restart
                return Submitted(item=item)
            if not credits.reserve(item.account_id, item.pk, generation):
                raise _NoCredits
    except _NoCredits:
        if item.status == Item.Status.DONE:  # no credit to redo it: the results it has still answer
            return Submitted(item=item)
        return Submitted(item=item, error="no_credits")
    item.refresh_from_db()
    transaction.on_commit(lambda: enqueue(item.pk, generation))
    return Submitted(item=item, started=True)
