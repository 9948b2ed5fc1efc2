"""An item's identity is the sha256 of its source and options in one canonical JSON form: stored
items are found by it, so the form never changes."""

from __future__ import annotations

import hashlib
import json

from optimizer.engine import Format, Mode, Spec, Target
from optimizer.engine.spec import Resize, ResizeMode
from optimizer.options import family, identity, to_json


def _canonical_sha256(value: dict) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_identity_is_the_sha256_of_the_sorted_compact_json_of_source_and_options():
    spec = Spec(
        targets=(Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP)),
        resize=Resize(ResizeMode.CONTAIN, 800, 600),
        quality=80,
    )
    for source in ({"url": "https://images.example.com/caf\u00e9.jpg"}, {"sha256": "ab" * 32}):
        assert identity(source, spec) == _canonical_sha256({"source": source, "options": to_json(spec)})


def test_options_worked_out_once_still_tell_specs_apart():
    source = {"url": "https://images.example.com/a.jpg"}
    lossy, glossy = Spec(targets=(Target(Mode.LOSSY),)), Spec(targets=(Target(Mode.GLOSSY),))

    assert identity(source, lossy) == identity(source, Spec(targets=(Target(Mode.LOSSY),)))
    assert identity(source, lossy) != identity(source, glossy)
    assert family(source, lossy) == family(source, glossy)
