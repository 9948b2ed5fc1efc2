"""The floor search: few probes, and none spent on points an earlier search already measured."""

import numpy as np

from optimizer.engine.codecs import CODECS, Picture
from optimizer.engine.metadata import Meta
from optimizer.engine.metric import Reference
from optimizer.engine.quality import Search
from optimizer.engine.spec import Format, Mode, Spec

from .conftest import photo


def _search(fmt: Format) -> tuple[Search, tuple]:
    source = photo(320, 240)
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


def test_the_final_speed_is_tried_one_step_below_the_probe_speed_only():
    # AVIF searches at speed 8, then probes speed 6 (about a step higher) one step down and no further,
    # even where that step holds.
    survey, ladder = _search(Format.AVIF)
    fast_scores = [survey.probe(setting.for_probe()) for setting in ladder]
    final_scores = [survey.probe(setting) for setting in ladder]
    floor, fast = next(
        (floor, index)
        for floor in np.arange(60.0, 90.0, 0.25)
        for index in [next((i for i, score in enumerate(fast_scores) if score >= floor), 0)]
        if index >= 2 and final_scores[index - 1] >= floor
    )
    search, _ = _search(Format.AVIF)
    assert search.lowest_passing(ladder, floor, start=len(ladder) // 2) == fast
    probed = set(search._probes)
    assert search._refined(ladder, fast, floor) == fast - 1
    assert set(search._probes) - probed == {ladder[fast - 1]}
