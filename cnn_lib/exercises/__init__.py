"""Checked coding exercises: write a function, and the checker tells you what is wrong.

Shown in the quickstart (chapter 1); every chapter from 2 to 16 has at least
one. In a notebook::

    import cnn_lib as cl

    def my_relu_backward(g, x):
        ...  # your code

    cl.exercises.check("act-ex-relu-backward", my_relu_backward)

``check`` runs your function on small test cases whose answers come from
references that do not use ``cnn_lib`` (and are themselves tested against
SciPy, PyTorch and finite differences). It recognises common mistakes ("did
you flip the kernel?") and never raises because of your answer: an exception,
a wrong shape, NaN or a slow loop each become feedback.
"""

from __future__ import annotations

import difflib

# Importing the chapter modules registers their exercises.
from cnn_lib.exercises import ch01_03, ch04_05, ch06, ch07_08, ch09_10, ch11_12, ch13_15, ch16  # noqa: F401
from cnn_lib.exercises.registry import Exercise, all_exercises
from cnn_lib.exercises.runner import judge
from cnn_lib.exercises.verdict import Hint, show

__all__ = ["labels", "check", "hint", "reference"]

_hints_shown: dict[str, int] = {}  # how many hints each exercise has shown


def labels() -> list[str]:
    """The labels of every exercise that has a checker, in book order."""
    return list(all_exercises())


def _find(label) -> Exercise:
    exercises = all_exercises()
    if label in exercises:
        return exercises[label]
    close = difflib.get_close_matches(str(label), exercises, n=3)
    maybe = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(
        f"unknown exercise label {label!r}.{maybe} Valid labels: {', '.join(exercises)}"
    )


def check(label: str, answer) -> bool:
    """Check ``answer`` for exercise ``label``; show the verdict; return whether it passed.

    Parameters
    ----------
    label : str
        The exercise's label, as printed in the book (see :func:`labels`).
    answer : callable
        Your function. It is called on small test cases; its inputs are
        copies, so it may modify them.

    Returns
    -------
    bool
        ``True`` when every test case matches the reference.

    Raises
    ------
    ValueError
        Only for an unknown ``label``; nothing about ``answer`` raises.
    """
    verdict = judge(_find(label), answer)
    show(verdict)
    return bool(verdict)


def hint(label: str) -> None:
    """Show the next general hint for exercise ``label`` (they cycle)."""
    exercise = _find(label)
    hints = exercise.hints or ["compare your function with the formula in the chapter"]
    number = _hints_shown.get(label, 0) % len(hints)
    _hints_shown[label] = number + 1
    show(Hint(label, number + 1, len(hints), hints[number]))


def reference(label: str):
    """A correct answer for exercise ``label``: ``check(label, reference(label))`` passes."""
    return _find(label).reference
