"""reducer-cli against a real reducer: the suite's web server and cluster, accounts made here."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from reducer_cli.cli import main
from tests.conftest import photo_bytes


@dataclass
class Ran:
    code: int
    lines: list[dict]  # one per file
    summary: dict
    err: str


@pytest.fixture
def run_cli(web, cluster, capsys):
    """Run ``reducer-cli COMMAND ARGS --json`` in this process against the test server."""

    def run(key: str, *args: str) -> Ran:
        command, *rest = args
        code = main([command, "--server", web.url, "--key", key, "--json", *rest])
        out, err = capsys.readouterr()
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        summary = next((line["summary"] for line in lines if "summary" in line), {})
        return Ran(code, [line for line in lines if "summary" not in line], summary, err)

    return run


def write_photos(folder: Path, names: list[str]) -> dict[str, bytes]:
    """Distinct real photos (JPEG, or PNG for .png names), one per name, under ``folder``."""
    written = {}
    for index, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        png = name.endswith(".png")
        data = photo_bytes(160 + 8 * index, 120 + 4 * index, format="PNG" if png else "JPEG")
        path.write_bytes(data)
        written[name] = data
    return written


def image_format(path: Path) -> str:
    return Image.open(io.BytesIO(path.read_bytes())).format


def by_source(ran: Ran) -> dict[str, dict]:
    return {line["source"]: line for line in ran.lines}
