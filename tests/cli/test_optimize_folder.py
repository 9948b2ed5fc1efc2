"""optimize PATH: a nested folder with non-images and a broken file, --out and in place."""

from __future__ import annotations

from accounts.models import Plan
from optimizer.models import Item
from tests.cli.conftest import by_source, image_format, write_photos

NAMES = ["top.jpg", "a/b/deep.jpg", "a/graphic.png"]


def _tree(root):
    photos = write_photos(root, NAMES)
    (root / "a" / "notes.txt").write_text("not an image")
    (root / "a" / "b" / "lies.jpg").write_text("<html>a page that calls itself a JPEG</html>")
    (root / "broken.jpg").write_bytes(photos["top.jpg"][:600])  # a JPEG cut short
    return photos


def test_out_mirrors_the_tree_and_lists_every_file(tmp_path, make_account, run_cli):
    account, key = make_account()
    source, out = tmp_path / "site", tmp_path / "out"
    photos = _tree(source)
    ran = run_cli(key, "optimize", str(source), "--out", str(out))

    assert ran.code == 1, ran.err  # a failed file: the others are done
    lines = by_source(ran)
    assert lines["a/notes.txt"]["outcome"] == lines["a/b/lies.jpg"]["outcome"] == "skipped"
    assert lines["a/b/lies.jpg"]["reason"] == "not an image"
    assert lines["broken.jpg"]["outcome"] == "failed" and lines["broken.jpg"]["reason"]
    for name, data in photos.items():
        assert lines[name]["outcome"] in ("optimized", "unchanged")
        result = (out / name).read_bytes()
        assert len(result) <= len(data) and (source / name).read_bytes() == data  # the source is untouched
    assert any(lines[name]["outcome"] == "optimized" for name in photos)
    assert not (out / "a" / "notes.txt").exists()
    summary = ran.summary
    assert summary["failed"] == 1 and summary["skipped"] == 2
    assert summary["optimized"] + summary["unchanged"] == 3
    assert summary["bytes_after"] < summary["bytes_before"] == sum(map(len, photos.values()))
    # the broken file is sent (and fails uncharged); non-images never are
    assert Item.objects.filter(account=account).count() == 4
    assert summary["credits_used"] == Plan.objects.get(account=account).monthly_used >= 1


def test_in_place_keeps_the_originals_and_a_rerun_sends_nothing(tmp_path, make_account, run_cli):
    account, key = make_account()
    source = tmp_path / "site"
    photos = _tree(source)
    first = run_cli(key, "optimize", str(source))
    assert first.code == 1, first.err

    lines = by_source(first)
    for name, data in photos.items():
        now = (source / name).read_bytes()
        if lines[name]["outcome"] == "optimized":
            assert len(now) < len(data)
            assert (source / ".reducer-backup" / name).read_bytes() == data
        else:  # never replaced by something larger
            assert now == data
    assert (source / ".reducer-state.sqlite").exists()
    sent = Item.objects.filter(account=account).count()

    again = run_cli(key, "optimize", str(source))
    assert {by_source(again)[name]["outcome"] for name in photos} == {"done"}
    assert by_source(again)["broken.jpg"]["outcome"] == "failed"  # failures are tried again
    assert Item.objects.filter(account=account).count() == sent + 1
    assert again.summary["credits_used"] == 0


def test_webp_and_avif_siblings_by_either_name(tmp_path, make_account, run_cli):
    _, key = make_account()
    source = tmp_path / "site"
    write_photos(source, ["photo.jpg"])
    appended, replaced = tmp_path / "appended", tmp_path / "replaced"

    ran = run_cli(key, "optimize", str(source), "--out", str(appended), "--webp", "--avif")
    assert ran.code == 0, ran.err
    assert image_format(appended / "photo.jpg.webp") == "WEBP"
    assert image_format(appended / "photo.jpg.avif") == "AVIF"
    assert ran.lines[0]["outputs"].keys() >= {"webp", "avif"}

    ran = run_cli(key, "optimize", str(source), "--out", str(replaced), "--webp", "--sibling-name", "replace")
    assert ran.code == 0, ran.err
    assert image_format(replaced / "photo.webp") == "WEBP"
    assert not (replaced / "photo.jpg.webp").exists()

    # in place, a later run never takes the siblings it wrote for sources
    ran = run_cli(key, "optimize", str(source), "--webp")
    assert (source / "photo.jpg.webp").exists()
    ran = run_cli(key, "optimize", str(source), "--webp")
    assert [line["source"] for line in ran.lines] == ["photo.jpg"] and ran.lines[0]["outcome"] == "done"
