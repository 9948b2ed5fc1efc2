"""An input that kills its worker every time fails as poison; the rest of the batch completes."""

import pytest
from django.conf import settings

from optimizer import lifecycle, services
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, LOSSY_JPEG, charges
from tests.service.cluster_helpers import kill_worker_running, wait_until_finished


@pytest.mark.backends
def test_a_poison_input_fails_after_the_attempt_limit_and_the_batch_completes(make_account, cluster):
    account, _ = make_account(monthly_quota=10)
    poison = services.WorkRequest(services.UploadSource(photo_bytes(1600, 1200)), DEFAULT_SET)
    healthy = [services.WorkRequest(services.UploadSource(photo_bytes(64 + n, 48)), LOSSY_JPEG) for n in range(3)]
    outcomes = services.submit(account, "internal", [poison, *healthy])
    poison_id = outcomes[0].item.pk
    for attempt in range(1, settings.REDUCER_MAX_ATTEMPTS + 1):
        kill_worker_running(poison_id, attempt, cluster)
    failed = wait_until_finished(poison_id, cluster, timeout=90)
    assert (failed.status, failed.error_code) == (Item.Status.FAILED, lifecycle.POISON_CODE)
    assert failed.attempts == settings.REDUCER_MAX_ATTEMPTS
    assert charges(failed) == 0
    for outcome in outcomes[1:]:
        done = wait_until_finished(outcome.item.pk, cluster)
        assert done.status == Item.Status.DONE and charges(done) == 1
