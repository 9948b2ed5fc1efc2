"""Loaded before Django reads its settings (pytest -p): the environment every test run shares.

Short timings so lost-work recovery happens in seconds, a data folder of its own, and a queue
name unique to this run so runs sharing one Redis never take each other's tasks.
"""

import os

TEST_ENVIRONMENT = {
    "REDUCER_DATA_DIR": "var/test",
    "REDUCER_TASK_TIMEOUT": "60",  # a slow item on a loaded machine is not a `timeout`
    "REDUCER_LEASE_SECONDS": "6",  # a killed worker's item is taken again within seconds
    "REDUCER_HEARTBEAT_SECONDS": "2",
    "REDUCER_DRAIN_GRACE": "5",  # a stopped test cluster ends within the fixtures' 15 s
    "REDUCER_QUEUE_POLL": "0.05",
    "REDUCER_REQUEUE_AFTER": "5",
    "REDUCER_QUEUE_NAME": f"reducer-test-{os.getpid()}",
    "REDUCER_DEMO_ACCOUNT": "false",
    # the webhook receivers are plain HTTP on loopback; retries come within the scheduler's 30 s
    "REDUCER_WEBHOOK_ALLOW_HTTP": "true",
    "REDUCER_WEBHOOK_RETRY_BASE": "1",
    "REDUCER_WEBHOOK_RETRY_WINDOW": "90",
}

for name, value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(name, value)
