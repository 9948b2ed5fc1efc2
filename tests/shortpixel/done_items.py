"""Items made done in the database, as the worker leaves them, for tests of how polls read them."""

from __future__ import annotations

from django.utils import timezone

from optimizer.models import Item, Variant


def finish_all(account, lossy_size: int = 1000) -> None:
    """Every item of the account done, with a smaller lossy file."""
    for item in Item.objects.filter(account=account):
        name = f"results/{account.pk}/{item.pk}/{item.generation}/lossy-original.jpg"
        Variant.objects.create(
            item=item, generation=item.generation, name="lossy-original", format="jpeg", storage_name=name,
            size=lossy_size, width=10, height=10, smaller=True,
        )  # fmt: skip
    Item.objects.filter(account=account).update(status=Item.Status.DONE, original_size=2000, finished_at=timezone.now())
