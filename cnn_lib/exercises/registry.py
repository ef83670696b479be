"""The pieces an exercise is made of: test cases, named mistakes, hints.

An :class:`Exercise` is data, not code to run: a correct *reference* answer
written for the checker alone (plain NumPy, never a call into ``cnn_lib``, so
the checker does not trust the code it teaches), a few :class:`Case` inputs,
and the :class:`Mistake` s learners commonly make. A mistake is recognised by
running a function that makes it on the same case: when the reader's output
matches the mistake's output, the reader gets that mistake's hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One call of the reader's function: ``answer(*args)``, described in words."""

    args: tuple
    describe: str


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: ``answer`` makes the mistake, ``hint`` explains it."""

    name: str
    answer: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Exercise:
    """A checked coding exercise of the book.

    Parameters
    ----------
    label : str
        The exercise's label in the book, e.g. ``"conv-ex-correlate"``.
    chapter : int
        The chapter it belongs to.
    task : str
        One sentence: what the reader's function must compute.
    signature : str
        The function the reader writes, e.g. ``"my_correlate2d(x, w)"``.
    reference : callable
        A correct answer, independent of ``cnn_lib`` (checked against SciPy,
        PyTorch or finite differences in the tests).
    cases : callable
        Returns the list of :class:`Case` (a function, so arrays are built
        fresh from a fixed seed on every check).
    mistakes : list of Mistake
        At least two common wrong answers, each with its targeted hint.
    hints : list of str
        General hints shown one at a time by :func:`cnn_lib.exercises.hint`.
    rtol, atol : float
        Tolerances of the comparison with the reference.
    """

    label: str
    chapter: int
    task: str
    signature: str
    reference: Callable[..., Any]
    cases: Callable[[], list]
    mistakes: list = field(default_factory=list)
    hints: list = field(default_factory=list)
    rtol: float = 1e-5
    atol: float = 1e-6


_EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the catalogue (each label once, each with two mistakes)."""
    if exercise.label in _EXERCISES:
        raise ValueError(f"exercise label {exercise.label!r} is registered twice")
    if len(exercise.mistakes) < 2:
        raise ValueError(f"exercise {exercise.label!r} needs at least two named mistakes")
    _EXERCISES[exercise.label] = exercise
    return exercise


def all_exercises() -> dict[str, Exercise]:
    """Every registered exercise, by label, in book order."""
    return dict(sorted(_EXERCISES.items(), key=lambda item: (item[1].chapter, item[0])))
