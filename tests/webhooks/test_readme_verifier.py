"""The receiver snippet in the README verifies real signatures and refuses forged ones."""

import re
from datetime import UTC, datetime
from pathlib import Path

from accounts import signing_secrets
from reducer.v1.webhooks import signing

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_verify():
    section = README.read_text().split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own documentation
    return namespace["verify"]


def test_the_readme_snippet_verifies_a_delivery_and_refuses_tampering(make_account):
    verify = _readme_verify()
    account, _ = make_account()
    body = b'{"id":"1","status":"complete"}'
    headers = signing.headers(account.pk, "msg_abc", body.decode(), datetime.now(UTC))
    secret = signing_secrets.current(account.pk)
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b"complete", b"failed"))
    assert not verify(secret, {**headers, "webhook-id": "msg_other"}, body)
    old = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 3600)}
    assert not verify(secret, old, body)


def test_the_readme_snippet_accepts_either_secret_during_a_rotation(make_account):
    verify = _readme_verify()
    account, _ = make_account()
    old = signing_secrets.current(account.pk)
    new = signing_secrets.rotate(account.pk)
    body = b"{}"
    headers = signing.headers(account.pk, "msg_r", body.decode(), datetime.now(UTC))
    assert verify(old, headers, body) and verify(new, headers, body)
