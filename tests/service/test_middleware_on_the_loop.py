"""Django's middleware hooks run on the event loop: an API request hands no hook to a thread, and a
session the view changed is still saved (that hook reaches the database, so it goes to a thread)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.test import AsyncClient


@pytest.fixture
def hand_offs(monkeypatch) -> Counter:
    """What each request handed to a thread, by function name."""
    seen: Counter = Counter()
    original = SyncToAsync.__call__

    def counted(self, *args, **kwargs):
        seen[getattr(self.func, "__qualname__", repr(self.func))] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_shortpixel_call_hands_no_middleware_hook_to_a_thread(make_account, hand_offs):
    _, key = make_account()
    body = json.dumps({"key": key})
    answer = async_to_sync(AsyncClient().post)("/v2/api-status.php", body, content_type="application/json")

    assert answer.status_code == 200 and json.loads(answer.content)["Status"]["Code"] == "2"
    hooks = [name for name in hand_offs if ".process_request" in name or ".process_response" in name]
    assert not hooks, f"middleware hooks ran in threads: {hooks}"


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_under_asgi_saves_its_session(make_account, hand_offs):
    _, key = make_account()
    client = AsyncClient()

    signed_in = async_to_sync(client.post)("/account/sign-in", {"key": key})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/account/"
    assert "SessionMiddleware.process_response" in hand_offs  # the save, off the loop
    assert async_to_sync(client.get)("/account/").status_code == 200
