"""cnn_lib.exercises: every reference passes, every named mistake gets its own hint,
and nothing about an answer makes check() raise."""

from __future__ import annotations

import time

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib.exercises import registry, runner
from cnn_lib.exercises.verdict import Verdict

ex = cl.exercises
EXERCISES = registry.all_exercises()
MISTAKES = [(label, m) for label, e in EXERCISES.items() for m in e.mistakes]


def judge(label, answer) -> Verdict:
    return runner.judge(EXERCISES[label], answer)


def test_the_catalogue_covers_every_chapter_from_2_to_16():
    assert len(ex.labels()) >= 22
    chapters = {e.chapter for e in EXERCISES.values()}
    assert set(range(2, 17)) <= chapters
    assert ex.labels() == sorted(ex.labels(), key=lambda label: EXERCISES[label].chapter)


@pytest.mark.parametrize("label", list(EXERCISES))
def test_the_reference_passes_its_own_check(label, capsys):
    assert ex.check(label, ex.reference(label)) is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("label", "mistake"), MISTAKES, ids=[f"{lab}:{m.name}" for lab, m in MISTAKES]
)
def test_each_named_mistake_gets_its_own_hint(label, mistake):
    verdict = judge(label, mistake.answer)
    assert not verdict.ok
    assert verdict.hint == mistake.hint
    assert any(mistake.name in line for line in verdict.lines)


@pytest.mark.parametrize("label", list(EXERCISES))
def test_none_is_false_without_raising(label, capsys):
    assert ex.check(label, None) is False
    assert "expected a function" in capsys.readouterr().out


def test_a_starter_with_an_empty_body_is_not_implemented_yet():
    def my_correlate2d(x, w): ...

    verdict = judge("conv-ex-correlate", my_correlate2d)
    assert verdict.headline == "not implemented yet"
    raising = judge("conv-ex-correlate", lambda x, w: (_ for _ in ()).throw(NotImplementedError))
    assert raising.headline == "not implemented yet"


def test_an_exception_is_feedback_with_the_line_in_the_readers_code():
    def my_correlate2d(x, w):
        total = x.sum()
        return total / undefined_name  # noqa: F821

    verdict = judge("conv-ex-correlate", my_correlate2d)
    assert verdict.headline == "your code raised an error"
    text = repr(verdict)
    assert "NameError" in text
    assert "return total / undefined_name" in text


def test_a_slow_answer_is_reported_after_the_time_limit(monkeypatch):
    monkeypatch.setattr(runner, "TIME_LIMIT", 0.2)

    def my_square(x):
        time.sleep(3)
        return x * x

    start = time.perf_counter()
    verdict = judge("quick-ex-square", my_square)
    assert verdict.headline == "too slow"
    assert time.perf_counter() - start < 2.5


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda x, w: np.zeros((4, 4)), "shape (4, 4); expected (3, 3)"),
        (lambda x, w: np.full((3, 3), np.nan), "nan at index [0, 0]"),
        (lambda x, w: "a string", "expected numbers"),
        (lambda x, w: [[1, 2], [3]], "could not turn your result into an array"),
        (lambda x, w: np.ones((3, 3), dtype=complex), "dtype complex128"),
        (lambda x, w: np.ones((3, 3)), "cell [0, 0] is 1 where 33 was expected"),
    ],
)
def test_wrong_outputs_get_a_clear_message(answer, words):
    verdict = judge("conv-ex-correlate", answer)
    assert not verdict.ok
    assert words in repr(verdict)


def test_a_tuple_answer_must_have_every_part():
    verdict = judge("dense-ex-linear-backward", lambda g, x, w: (g @ w, g.T @ x))
    assert "expected a tuple of 3 values, got a tuple of 2 values" in repr(verdict)


def test_the_answer_works_on_copies_of_the_inputs():
    def my_square(x):
        x *= x  # writes into its input: the reference must still see the original
        return x

    assert judge("quick-ex-square", my_square).ok


def test_an_unknown_label_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Did you mean 'conv-ex-correlate'") as info:
        ex.check("conv-ex-corelate", print)
    assert "quick-ex-square" in str(info.value)
    with pytest.raises(ValueError, match="unknown exercise label"):
        ex.hint("nope")


def test_hints_come_one_at_a_time_and_cycle(capsys):
    hints = EXERCISES["conv-ex-correlate"].hints
    for number in range(len(hints) + 1):
        ex.hint("conv-ex-correlate")
        shown = capsys.readouterr().out
        assert hints[number % len(hints)] in shown


def test_the_verdict_is_html_in_jupyter_with_small_arrays_side_by_side():
    verdict = judge("conv-ex-correlate", lambda x, w: np.ones((3, 3)))
    page = verdict._repr_html_()
    assert "✗" in page and "expected" in page and "received" in page
    assert "<pre" in page and 'role="status"' in page
    assert "✓" in judge("quick-ex-square", lambda x: x * x)._repr_html_()


def test_big_arrays_are_not_printed():
    verdict = Verdict(False, "x", "not yet right", expected=np.ones((20, 20)), received=np.ones(4))
    assert "expected:" not in repr(verdict)


def test_registering_needs_two_mistakes_and_a_unique_label():
    one = registry.Exercise("quick-ex-square", 1, "t", "f(x)", abs, list, [])
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(one)
    with pytest.raises(ValueError, match="two named mistakes"):
        registry.register(registry.Exercise("new", 1, "t", "f(x)", abs, list, []))


def test_every_checked_exercise_is_in_its_chapter_with_a_starter_and_a_checked_solution():
    import json
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "book"
    for label, exercise in EXERCISES.items():
        name = "quickstart" if exercise.chapter == 1 else f"{exercise.chapter:02d}_*"
        paths = sorted(book.glob(f"{name}.ipynb"))
        assert len(paths) == 1, f"{label}: expected one book/{name}.ipynb, found {paths}"
        path = paths[0]
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells]
        assert any(f":label: {label}" in s for s in sources), (label, path.name)
        calls = [s for s in sources if f'cl.exercises.check("{label}"' in s]
        assert len(calls) >= 2, f"{label}: a starter cell and a checked solution in {path.name}"
