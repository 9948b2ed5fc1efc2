"""Re-seal every secret stored in the database under the current secret key.

After a key rotation (the old key moved to REDUCER_SECRET_KEY_FALLBACKS) sealed values still
open with the old key; once this has run, none needs it and it can be dropped.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from accounts import sealing
from accounts.models import S3Target, SigningSecret, SourceCredential
from optimizer.models import Item

# Every column that holds a value sealed by accounts.sealing.
SEALED_FIELDS: tuple[tuple[type[models.Model], str], ...] = (
    (SourceCredential, "password"),
    (SigningSecret, "secret"),
    (S3Target, "secret_access_key"),
    (Item, "source_auth"),
)


class Command(BaseCommand):
    help = "Re-seal stored secrets (source passwords, S3 secret keys, webhook secrets) under the current secret key."

    def handle(self, *args, **options) -> None:
        unreadable = 0
        for model, field in SEALED_FIELDS:
            resealed = 0
            rows = model.objects.exclude(**{field: ""}).values_list("pk", field)
            for pk, sealed in rows.iterator():
                try:
                    fresh = sealing.reseal(sealed)
                except InvalidToken:
                    unreadable += 1
                    self.stderr.write(f"{model._meta.label} {pk}: {field} opens with none of the configured keys")
                    continue
                # Written only if unchanged since it was read: a value saved meanwhile is sealed
                # under the current key already.
                resealed += model.objects.filter(pk=pk, **{field: sealed}).update(**{field: fresh})
            self.stdout.write(f"{model._meta.label}.{field}: {resealed} re-sealed")
        if unreadable:
            raise CommandError(
                f"{unreadable} secret(s) open with no configured key: keep every old key in "
                "REDUCER_SECRET_KEY_FALLBACKS until they are re-sealed or replaced."
            )
