"""The ShortPixel answers of done items each web process keeps (reducer.kept): under the item, its
generation, the URL it was asked for and what was asked."""

from __future__ import annotations

from typing import NamedTuple

from reducer.kept import KeptAnswers

from .render import Asked


class AnswerKey(NamedTuple):
    item_id: object
    generation: int
    original_url: str
    asked: Asked | None


_answers: KeptAnswers[AnswerKey, dict] = KeptAnswers()
keep = _answers.keep
kept = _answers.kept
