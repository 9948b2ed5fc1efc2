"""Small builders shared by the job-model tests."""

from django.db.models import Sum

from accounts.models import CreditEntry
from optimizer import services
from optimizer.engine import Format, Mode, Spec, Target
from optimizer.lifecycle import Claim
from optimizer.models import Item, Variant

LOSSY_JPEG = Spec(targets=(Target(Mode.LOSSY),))
DEFAULT_SET = Spec(
    targets=(
        Target(Mode.LOSSY),
        Target(Mode.LOSSLESS),
        Target(Mode.LOSSY, Format.WEBP),
        Target(Mode.LOSSY, Format.AVIF),
    )
)


def submit_upload(account, data: bytes, spec: Spec = LOSSY_JPEG, charged: bool = True, **options) -> services.Submitted:
    request = services.WorkRequest(source=services.UploadSource(data), spec=spec, charged=charged)
    (outcome,) = services.submit(account, "internal", [request], **options)
    return outcome


def charges(item: Item) -> int:
    """Credits actually charged for an item (settled), across its generations."""
    return CreditEntry.objects.filter(item=item, kind="settle").aggregate(total=Sum("amount"))["total"] or 0


def optimized_to(claim: Claim, size: int, original_size: int) -> list[Variant]:
    """The variant rows of a run whose lossy original came out at ``size`` bytes."""
    return [
        Variant(
            item=claim.item,
            generation=claim.generation,
            name="lossy-original",
            format="jpeg",
            storage_name=f"results/{claim.item.pk}/lossy.jpg",
            size=size,
            width=1,
            height=1,
            smaller=size < original_size,
        )
    ]
