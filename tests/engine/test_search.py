"""The floor search: few probes, and none spent on points an earlier search already measured."""

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from optimizer.engine.codecs import CODECS, Picture
from optimizer.engine.metadata import Meta
from optimizer.engine.metric import Reference
from optimizer.engine.quality import DESCENT_REACH, DESCENT_SLACK, LADDER_CLOSE, Search
from optimizer.engine.spec import Format, Limits, Mode, Spec

from .conftest import photo


def _search(fmt: Format, source: Image.Image | None = None) -> tuple[Search, tuple]:
    source = photo(320, 240) if source is None else source
    reference = Reference(source)
    picture = Picture((source,), Meta())
    ladder = CODECS[fmt].grid(Mode.LOSSY, picture, Spec(targets=()))[0]
    return Search(CODECS[fmt], picture, reference, reference), ladder


def test_a_search_finds_the_lowest_passing_point_in_a_few_probes():
    search, ladder = _search(Format.WEBP)
    found = search.lowest_passing(ladder, 70.0, start=len(ladder) // 2)
    assert search.probe(ladder[found]) >= 70.0 > search.probe(ladder[found - 1])
    assert len(search._probes) <= 8  # a 94-step ladder


def test_points_already_probed_bound_a_new_search():
    search, ladder = _search(Format.JPEG)
    found = search.lowest_passing(ladder, 70.0, start=len(ladder) // 2)
    probed = dict(search._probes)
    # The same floor from the far end of the ladder: the cached bracket answers it without a probe.
    assert search.lowest_passing(ladder, 70.0, start=0) == found
    assert search._probes == probed
    # A floor just above the found point's score: the search starts inside the cached bracket.
    higher = search.probe(ladder[found]) + 0.01
    above = search.lowest_passing(ladder, higher, start=0, known_fail=found)
    assert above is not None and above > found
    assert len(search._probes) - len(probed) <= 3


def _avif_curves(source: Image.Image | None = None) -> tuple[tuple, list[float], list[float]]:
    survey, ladder = _search(Format.AVIF, source)
    return ladder, [survey.probe(s.for_probe()) for s in ladder], [survey.probe(s) for s in ladder]


def _lowest(scores: list[float], floor: float) -> int:
    return next((i for i, score in enumerate(scores) if score >= floor), 0)


def test_the_final_speed_costs_one_probe_where_the_step_below_fails():
    # AVIF searches at speed 8, then probes speed 6 (about a step higher) one step down.
    ladder, fast_scores, final_scores = _avif_curves()
    floor, fast = next(
        (floor, index)
        for floor in np.arange(60.0, 90.0, 0.25)
        for index in [_lowest(fast_scores, floor)]
        if index >= 2 and final_scores[index - 1] < floor
    )
    search, _ = _search(Format.AVIF)
    assert search.lowest_passing(ladder, floor, start=len(ladder) // 2) == fast
    probed = set(search._probes)
    assert search._refined(ladder, fast, floor) == fast
    assert set(search._probes) - probed == {ladder[fast - 1]}


def test_the_final_speed_search_goes_on_down_while_it_holds(corpus: Path) -> None:
    # On smooth dark gradients speed 6 reads twenty points or more above speed 8 at equal quality:
    # where it holds a step below the speed-8 result, the search goes on down at speed 6 to the lowest
    # point that holds, instead of leaving that distance to verified full encodes.
    wallpaper = Image.open(corpus / "p25_mate_dark_wallpaper.png").convert("RGB").crop((600, 300, 920, 540))
    ladder, fast_scores, final_scores = _avif_curves(wallpaper)
    floor = 70.0
    fast = _lowest(fast_scores, floor)
    search, _ = _search(Format.AVIF, wallpaper)
    assert search.lowest_passing(ladder, floor, start=len(ladder) // 2) == fast
    refined = search._refined(ladder, fast, floor)
    assert refined == _lowest(final_scores, floor) < fast - 3
    assert len(search._probes) <= 12


def _sampled(fmt: Format = Format.AVIF, mode: Mode = Mode.LOSSY) -> tuple[Picture, Reference, Reference, tuple]:
    """A picture large enough that its probes sample two tiles while every pixel is verified, with the
    references for both and the format's ladders for ``mode``."""
    source = photo(1024, 1024).filter(ImageFilter.GaussianBlur(1))
    picture = Picture((source,), Meta())
    probes, verifier = Reference(source, Limits().metric_pixels), Reference(source, Limits().verify_pixels)
    assert probes.sampled and not verifier.sampled
    return picture, probes, verifier, CODECS[fmt].grid(mode, picture, Spec(targets=()))


def test_a_ladder_that_cannot_undercut_the_verified_one_is_not_encoded_in_full():
    # A sampled picture (two tiles probed, every pixel verified) and the three JPEG glossy ladders: once
    # the ladder whose tiles encode smallest is verified, the others are aimed with the offset it
    # measured, and those whose tiles a step below that are no smaller are never encoded in full.
    picture, probes, verifier, ladders = _sampled(Format.JPEG, Mode.GLOSSY)
    assert len(ladders) == 3

    def searched(ladders: tuple) -> tuple:
        search = Search(CODECS[Format.JPEG], picture, probes, verifier)
        return search.meet_floor(ladders, 85.0, lambda ladder: len(ladder) // 2), search.work

    alone = [searched((ladder,)) for ladder in ladders]
    together, work = searched(ladders)
    assert len(together.data) == min(len(choice.data) for choice, _ in alone)
    assert together.score >= 85.0
    assert work.encodes <= 2 < sum(made.encodes for _, made in alone)


def test_avif_measures_its_verification_offsets_on_the_probe_speed():
    # Probes on sample tiles are calibrated against every pixel at each verified setting; AVIF's offset
    # is taken from its speed-8 probes, so no speed-6 tile probe (three times the cost) is paid once a
    # setting has been encoded in full, and the choice still holds the floor on every pixel.
    picture, probes, verifier, (ladder,) = _sampled()
    search = Search(CODECS[Format.AVIF], picture, probes, verifier)
    final_speed_probes_before_encoding: list[int] = []
    encode = search.full

    def counted(setting):
        if not final_speed_probes_before_encoding:
            final_speed_probes_before_encoding.append(sum(1 for s in search._probes if s.probe_speed is not None))
        return encode(setting)

    search.full = counted
    choice = search.meet_floor((ladder,), 70.0, lambda ladder: len(ladder) // 2)
    assert verifier.score(Image.open(io.BytesIO(choice.data)).convert("RGB")) >= 70.0
    assert [sum(1 for s in search._probes if s.probe_speed is not None)] == final_speed_probes_before_encoding
    # Each offset the calibration learnt is a speed-8 probe less its verified score (a descent's
    # verification aims only its own search, so not every verified setting adds one).
    measured = [search._probes[setting.for_probe()] - search._scores[setting] for setting in search._scores]
    assert search.calibration.offsets and set(search.calibration.offsets) <= set(measured)


def test_a_ladder_whose_sample_is_clearly_larger_at_its_aimed_setting_is_not_encoded_in_full():
    # Once one ladder is verified, another is aimed at the floor with the offset it measured. Its sample a
    # step below may be smaller (the old test for leaving it) and still the ladder cannot win: where its
    # sample at the aimed setting is more than LADDER_CLOSE larger, full encodes keep that order.
    picture, probes, verifier, (ladder,) = _sampled()
    search = Search(CODECS[Format.AVIF], picture, probes, verifier)
    floor = 70.0
    best = search.meet_floor((ladder,), floor, lambda ladder: len(ladder) // 2)
    kept_at = ladder.index(best.setting)
    kept = search._sample_bytes[best.setting.for_probe()]
    aimed_floor = floor + search.probe(best.setting.for_probe()) - best.score + DESCENT_SLACK
    failing = max(i for i in range(kept_at) if search.probe(ladder[i].for_probe()) < aimed_floor)

    def aimed(higher: int):
        other = (ladder[failing], ladder[kept_at + higher])  # aims at its second setting, a smaller one below
        encodes = search.work.encodes
        found = search._aimed(other, 0, best, floor)
        assert search.work.encodes == encodes and search._sample_bytes[other[0].for_probe()] < kept
        return found, search._sample_bytes[other[1].for_probe()] / kept

    assert aimed(0) == ((1, aimed_floor), 1.0)  # as small as the kept sample: worth a full encode
    found, larger = aimed(2)
    assert larger > 1 + LADDER_CLOSE and found is None


def test_a_photo_s_search_pays_no_final_speed_probe_before_its_first_full_encode():
    # On sampled photos the final-speed probe a step below the probe-speed result failed every time; a
    # search told the picture is a photo goes straight to its full encode, and still holds the floor.
    picture, probes, verifier, (ladder,) = _sampled()

    def final_speed_probes(refines: bool) -> int:
        search = Search(CODECS[Format.AVIF], picture, probes, verifier, refines_at_final_speed=refines)
        choice = search.meet_floor((ladder,), 70.0, lambda ladder: len(ladder) // 2)
        assert choice is not None and choice.score >= 70.0
        return sum(1 for setting in search._probes if setting.probe_speed is not None)

    assert final_speed_probes(refines=False) == 0 < final_speed_probes(refines=True)


def _room_to_descend(probe_below: float, room: float, below: float = 70.4) -> int:
    """The index ``_descended`` keeps from a verified setting ``room`` above the floor of 70, where the
    step below reads ``probe_below`` by its probe (the verified setting's probe reads as it verifies)
    and ``below`` on every pixel."""
    picture, probes, verifier, (ladder,) = _sampled()
    search = Search(CODECS[Format.AVIF], picture, probes, verifier)
    index = 12
    # The points as the probes and the verifier measured them: the step below's probe reads lower than
    # its encode does, as AVIF's speed-8 probes do where their steps are steeper than speed 6's.
    search._probes[ladder[index].for_probe()] = 70.0 + room
    search._scores[ladder[index]] = 70.0 + room
    search._probes[ladder[index - 1].for_probe()] = probe_below
    search._scores[ladder[index - 1]] = below
    search._probes[ladder[index - 2].for_probe()] = probe_below - 2.0  # known to fail: no further descent
    kept = search._descended(ladder, index, search.at(ladder[index]), 70.0)
    return ladder.index(kept.setting) - index


def test_a_step_below_that_its_probe_reads_just_under_the_floor_is_verified_where_there_is_room():
    # 1.96 points of room and a step below read 0.3 under the floor: verified, and it holds.
    assert _room_to_descend(probe_below=69.7, room=1.96) == -1
    # Read further under the floor than DESCENT_REACH, or with less room than a step is worth: kept.
    assert _room_to_descend(probe_below=70.0 - DESCENT_REACH - 0.2, room=1.96) == 0
    assert _room_to_descend(probe_below=69.7, room=0.8) == 0
