"""Run a reader's answer safely and compare it with the reference.

The reader's code may raise, loop forever, return the wrong type or shape, or
produce NaN; none of that may escape as an exception from ``check``. The
answer runs in a helper thread so a slow answer can be reported after a few
seconds (portable: no signals). A thread cannot be stopped from outside, so a
runaway answer keeps running in the background until it returns.
"""

from __future__ import annotations

import copy
import threading
import traceback
from pathlib import Path

import numpy as np

from cnn_lib.exercises.verdict import Verdict

TIME_LIMIT = 5.0  # seconds per test case; every case is small
_HERE = str(Path(__file__).resolve().parent)


class Outcome:
    """What one call of the answer did: a value, an exception, or no end in time."""

    def __init__(self):
        self.value = None
        self.error: BaseException | None = None
        self.timed_out = False


def run_answer(answer, args: tuple, seconds: float | None = None) -> Outcome:
    """Call ``answer(*args)`` on private copies of ``args``, for at most ``seconds``."""
    outcome = Outcome()
    args = copy.deepcopy(args)  # the answer may write into its inputs

    def target():
        try:
            outcome.value = answer(*args)
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: report, never raise
            outcome.error = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(TIME_LIMIT if seconds is None else seconds)
    outcome.timed_out = worker.is_alive()
    return outcome


def where_it_failed(exc: BaseException) -> str:
    """``"line 3: return x / 0"`` for the deepest frame in the reader's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    readers = [f for f in frames if not f.filename.startswith(_HERE)]
    own = [f for f in readers if "site-packages" not in f.filename] or readers
    if not own:
        return ""
    frame = own[-1]
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"line {frame.lineno} of your code{code}"


def _parts(value, count: int):
    """Split a result into ``count`` arrays, or return an error message."""
    if count > 1:
        if not isinstance(value, (tuple, list)) or len(value) != count:
            got = f"a {type(value).__name__}"
            if isinstance(value, (tuple, list)):
                got += f" of {len(value)} values"
            return f"expected a tuple of {count} values, got {got}"
        values = value
    else:
        values = (value,)
    arrays = []
    for item in values:
        try:
            array = np.asarray(item)
        except (ValueError, TypeError) as exc:
            return f"could not turn your result into an array ({exc})"
        if array.dtype.kind not in "biuf":
            return f"expected numbers, got an array of dtype {array.dtype} ({type(item).__name__})"
        arrays.append(array)
    return arrays


def difference(received, expected, rtol: float, atol: float) -> str | None:
    """``None`` when ``received`` matches ``expected``, else what differs, in words."""
    count = len(expected) if isinstance(expected, tuple) else 1
    got = _parts(received, count)
    if isinstance(got, str):
        return got
    want = _parts(expected, count)
    for index, (mine, theirs) in enumerate(zip(got, want, strict=True)):
        which = f"value {index + 1} of {count}: " if count > 1 else ""
        if mine.shape != theirs.shape:
            return f"{which}your output has shape {mine.shape}; expected {theirs.shape}"
        finite = np.isfinite(mine.astype(np.float64))
        if not finite.all() and np.isfinite(theirs).all():
            bad = tuple(int(i) for i in np.argwhere(~finite)[0])
            return f"{which}your output has {mine[bad]} at index {list(bad)}"
        close = np.isclose(mine, theirs, rtol=rtol, atol=atol, equal_nan=True)
        if not close.all():
            if mine.ndim == 0:
                return f"{which}you returned {mine.item():.6g}; expected {theirs.item():.6g}"
            bad = tuple(int(i) for i in np.argwhere(~close)[0])
            return (
                f"{which}the shape {mine.shape} is right, but cell {list(bad)} is "
                f"{mine[bad]:.6g} where {theirs[bad]:.6g} was expected"
            )
    return None


def judge(exercise, answer) -> Verdict:
    """Run ``answer`` on every case of ``exercise`` and return the verdict."""
    if not callable(answer):
        return Verdict(
            False,
            exercise.label,
            "expected a function",
            [f"check() needs your function, but got {answer!r:.60} ({type(answer).__name__})."],
            hint=f"write `def {exercise.signature}: ...` and pass its name, without ()",
        )
    cases, values = exercise.cases(), []
    for case in cases:
        outcome = run_answer(answer, case.args)
        unusable = _unusable(exercise, case, outcome)
        if unusable is not None:
            return unusable
        values.append(outcome.value)
    for index, (case, value) in enumerate(zip(cases, values, strict=True)):
        expected = exercise.reference(*copy.deepcopy(case.args))
        problem = difference(value, expected, exercise.rtol, exercise.atol)
        if problem is not None:
            return _wrong(exercise, cases, values, index, problem)
    count = f"all {len(cases)} test cases" if len(cases) > 1 else "the test case"
    return Verdict(True, exercise.label, "correct", [f"your function passed {count}."])


def _unusable(exercise, case, outcome) -> Verdict | None:
    """A verdict when the answer gave nothing to compare: too slow, no return, an error."""
    label, where = exercise.label, f"On {case.describe}:"
    if outcome.timed_out:
        return Verdict(
            False,
            label,
            "too slow",
            [where, f"your function ran for more than {TIME_LIMIT:g} s on a small input."],
            hint="look for a loop that never ends, or one over far more items than needed",
        )
    error = outcome.error
    if isinstance(error, NotImplementedError) or (error is None and outcome.value is None):
        return Verdict(
            False,
            label,
            "not implemented yet",
            [f"your function returned nothing; write the body of {exercise.signature}."],
            hint="replace the `...` with your code and end with `return`",
        )
    if error is not None:
        return Verdict(
            False,
            label,
            "your code raised an error",
            [where, f"{type(error).__name__}: {error}", where_it_failed(error)],
            hint="read the line above: the error happened there",
        )
    return None


def _same(exercise, value, other) -> bool:
    return difference(value, other, exercise.rtol, exercise.atol) is None


def _matches(exercise, mistake, case, value) -> bool:
    """Whether ``value`` is what ``mistake`` gives on ``case`` (and that is wrong there)."""
    with np.errstate(all="ignore"):  # a mistake may overflow: that is the point
        wrong = mistake.answer(*copy.deepcopy(case.args))
    expected = exercise.reference(*copy.deepcopy(case.args))
    return not _same(exercise, wrong, expected) and _same(exercise, value, wrong)


def _wrong(exercise, cases, values, index, problem) -> Verdict:
    """The verdict for a wrong value, with the hint of the mistake it matches best."""
    case, value = cases[index], values[index]
    lines, hint = [f"On {case.describe}:", problem], (exercise.hints or [None])[0]
    suspects = [m for m in exercise.mistakes if _matches(exercise, m, case, value)]
    if suspects:
        # Two mistakes can agree on one case: keep the one that explains the most cases.
        def explained(mistake):
            with np.errstate(all="ignore"):
                outputs = [mistake.answer(*copy.deepcopy(c.args)) for c in cases]
            return sum(_same(exercise, v, out) for v, out in zip(values, outputs, strict=True))

        mistake = max(suspects, key=explained)
        lines.append(f"This looks like a common mistake: {mistake.name}.")
        hint = mistake.hint
    expected = exercise.reference(*copy.deepcopy(case.args))
    return Verdict(False, exercise.label, "not yet right", lines, hint, expected, value)
