"""cnn_lib.threads: the batch split over threads gives the loops' results."""

import threading

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib import threads
from cnn_lib.functional.conv_naive import conv2d_backward_naive, conv2d_naive
from cnn_lib.functional.pooling_naive import max_pool2d_backward_naive, max_pool2d_naive


@pytest.fixture
def two_threads(monkeypatch):
    """Two threads, and parts of any size, so that small test batches are split."""
    monkeypatch.setattr(threads, "MIN_PART_SIZE", 1)
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_refuses_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        cl.set_num_threads(bad)
    assert cl.get_num_threads() == 1


def test_default_is_one_thread_and_set_changes_it():
    assert cl.get_num_threads() == 1
    cl.set_num_threads(3)
    try:
        assert cl.get_num_threads() == 3
    finally:
        cl.set_num_threads(1)
    assert cl.get_num_threads() == 1


def _record_parts(n_samples, size):
    seen = []

    def work(start, stop):
        seen.append((start, stop, threading.current_thread().name))
        return stop - start

    return threads.run_in_parts(work, n_samples, size), sorted(seen)


def test_one_thread_runs_the_whole_range_in_the_caller():
    counts, seen = _record_parts(10, size=10**9)
    assert counts == [10]
    assert seen == [(0, 10, threading.current_thread().name)]


def test_parts_cover_the_range_in_order_on_other_threads(two_threads):
    threads.set_num_threads(3)
    counts, seen = _record_parts(10, size=10**6)
    assert counts == [3, 3, 4]  # returned in the order of the parts
    assert [(a, b) for a, b, _ in seen] == [(0, 3), (3, 6), (6, 10)]
    assert seen[0][2] == threading.current_thread().name  # the caller does the first
    assert all(name.startswith("cnn_lib") for _, _, name in seen[1:])


def test_small_work_is_not_split(monkeypatch):
    threads.set_num_threads(2)
    try:
        monkeypatch.setattr(threads, "MIN_PART_SIZE", 100)
        assert _record_parts(10, size=199)[0] == [10]  # two parts would hold < 100 each
        assert _record_parts(10, size=200)[0] == [5, 5]
        assert _record_parts(1, size=10**6)[0] == [1]  # one sample cannot be split
        assert _record_parts(0, size=10**6)[0] == [0]
    finally:
        threads.set_num_threads(1)


@pytest.mark.parametrize("failing_part", [0, 1])
def test_an_error_in_any_part_is_raised_after_all_parts_finish(two_threads, failing_part):
    finished = []

    def work(start, stop):
        if start == 5 * failing_part:
            raise ZeroDivisionError(f"part at {start}")
        threading.Event().wait(0.05)  # still running when the other part fails
        finished.append(start)

    with pytest.raises(ZeroDivisionError, match=f"part at {5 * failing_part}"):
        threads.run_in_parts(work, 10, size=10**6)
    assert finished == [5 * (1 - failing_part)]


def test_callers_on_several_threads_each_get_their_own_parts(two_threads):
    # Every call has its own report queue: a part finished for one caller must
    # never come back to another, even when both share the worker threads.
    wrong = []

    def caller():
        me = threading.get_ident()

        def work(start, stop):  # tagged with its caller
            threading.Event().wait(0.001)  # let the callers interleave
            return (me, start, stop)

        for _ in range(50):
            results = threads.run_in_parts(work, 10, 10**6)
            if results != [(me, 0, 5), (me, 5, 10)]:
                wrong.append(results)

    callers = [threading.Thread(target=caller) for _ in range(3)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in callers), "a caller hung"
    assert wrong == []


def _workers():
    return [t for t in threading.enumerate() if t.name.startswith("cnn_lib-worker")]


def _join_stopped_workers():
    for worker in _workers():
        worker.join(timeout=10)  # each ends after its last part, once told to stop


def test_worker_threads_start_on_first_split_and_end_when_the_setting_changes():
    _join_stopped_workers()  # those of earlier tests, told to stop when they reset
    assert _workers() == []  # one thread by default: none started
    threads.set_num_threads(3)
    try:
        assert _workers() == []  # started only when a batch is split
        threads.run_in_parts(lambda start, stop: None, 9, size=10**6)
        assert len(_workers()) == 2
    finally:
        threads.set_num_threads(1)
    _join_stopped_workers()
    assert _workers() == []


def test_blas_is_limited_to_one_thread_while_threads_split_the_batch():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library found by threadpoolctl")
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        cl.set_num_threads(2)
        try:
            assert blas_threads() == [1] * len(before)
        finally:
            cl.set_num_threads(1)
        assert blas_threads() == [2] * len(before)  # the previous limit is back
    assert blas_threads() == before


@pytest.mark.parametrize("n_threads", [2, 3])
@pytest.mark.parametrize(
    "stride, padding, dilation", [(1, 1, 1), (2, 0, 1), (1, "same", 2), ((2, 1), (0, 2), 1)]
)
def test_threaded_conv_equals_the_loops(two_threads, n_threads, stride, padding, dilation):
    threads.set_num_threads(n_threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 8, 7))
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    args = (stride, padding, dilation)
    y = cl.functional.conv2d(x, w, b, *args)
    np.testing.assert_allclose(y, conv2d_naive(x, w, b, *args), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    for got, want in zip(
        cl.functional.conv2d_backward(g, x, w, b, *args),
        conv2d_backward_naive(g, x, w, b, *args),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # Samples never mix in y and dx: the split changes no bit of them.
    dx = cl.functional.conv2d_backward(g, x, w, b, *args)[0]
    threads.set_num_threads(1)
    np.testing.assert_array_equal(cl.functional.conv2d(x, w, b, *args), y)
    np.testing.assert_array_equal(cl.functional.conv2d_backward(g, x, w, b, *args)[0], dx)


@pytest.mark.parametrize("kernel, stride, size", [(2, 2, 8), (2, 2, 7), (3, 2, 9), (3, 1, 6)])
def test_threaded_max_pool_equals_the_loops_with_ties(two_threads, kernel, stride, size):
    rng = np.random.default_rng(1)
    x = np.maximum(rng.standard_normal((5, 2, size, size)), 0)  # ReLU output: ties at 0
    x[0, 0, :2, :2] = 1.0  # four equal maxima in one window
    y = cl.functional.max_pool2d(x, kernel, stride)
    np.testing.assert_array_equal(y, max_pool2d_naive(x, kernel, stride))
    g = rng.standard_normal(y.shape)
    got = cl.functional.max_pool2d_backward(g, x, kernel, stride)
    # Overlapping windows add in another order than the loops: equal up to rounding.
    want = max_pool2d_backward_naive(g, x, kernel, stride)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(cl.functional.max_pool2d(x, kernel, stride), y)
    threads.set_num_threads(1)  # the split changes nothing at all
    np.testing.assert_array_equal(cl.functional.max_pool2d_backward(g, x, kernel, stride), got)
    np.testing.assert_array_equal(cl.functional.max_pool2d(x, kernel, stride), y)


def test_gradcheck_of_a_network_on_two_threads(two_threads):
    model = cl.Sequential(
        cl.Conv2d(2, 3, 3, padding=1, rng=0), cl.ReLU(), cl.MaxPool2d(2),
        cl.Conv2d(3, 2, 3, stride=2, rng=1),
    )  # fmt: skip
    x = np.random.default_rng(2).standard_normal((4, 2, 10, 10))
    assert cl.gradcheck(model, x) < 1e-6


def test_fit_on_two_threads_follows_the_one_thread_run():
    (x, y), _ = cl.load_sample()
    x, y = x[:256], y[:256]
    losses = []
    for n_threads in (1, 2):
        cl.set_num_threads(n_threads)
        try:
            model = cl.Sequential(
                cl.Conv2d(1, 8, 3, padding=1, rng=0), cl.ReLU(), cl.MaxPool2d(2),
                cl.Flatten(), cl.Linear(8 * 14 * 14, 10, rng=0),
            )  # fmt: skip
            optimizer = cl.SGD(model.parameters(), lr=0.05, momentum=0.9)
            history = cl.fit(model, x, y, loss=cl.CrossEntropyLoss(), optimizer=optimizer,
                             epochs=2, rng=0, progress=False)  # fmt: skip
        finally:
            cl.set_num_threads(1)
        losses.append(history.history["loss"])
    # Only the order of float32 sums differs between the runs.
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)


def _split_in_child(queue):
    queue.put(threads.run_in_parts(lambda start, stop: (start, stop), 4, size=10**6))


def test_a_forked_child_can_still_split(two_threads):
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    threads.run_in_parts(lambda start, stop: None, 4, size=10**6)  # the parent's workers run
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_split_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "the child hung or failed"
    assert queue.get(timeout=5) == [(0, 2), (2, 4)]


def test_threaded_relu_equals_the_formula_and_runs_in_parts(two_threads):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 2, 4, 3)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    x[0, 0, 0, :2] = 0.0  # the kink: gradient 0, as in PyTorch
    want_y = np.where(x > 0, x, np.float32(0))  # the formulas, written another way
    want_dx = np.where(x > 0, g, np.float32(0))
    seen = []

    def spy(*parts, out=None):  # np.maximum, recording who computed which rows
        if out is not None:  # not the dtype probe on empty slices
            seen.append((len(parts[0]), threading.current_thread().name))
        return np.maximum(*parts, out=out)

    got = threads.elementwise_in_parts(spy, x, 0)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want_y)
    assert sorted(n for n, _ in seen) == [2, 3]  # two parts, one per thread
    assert len({name for _, name in seen}) == 2
    layer = cl.ReLU()
    np.testing.assert_array_equal(layer(x), want_y)
    dx = layer.backward(g)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, want_dx)
    threads.set_num_threads(1)  # the split changes nothing at all
    np.testing.assert_array_equal(cl.functional.relu(x), want_y)
    np.testing.assert_array_equal(cl.functional.relu_backward(g, x), want_dx)


def test_elementwise_in_parts_keeps_numbers_empty_arrays_and_broadcasting(two_threads):
    assert threads.elementwise_in_parts(np.maximum, np.array(-2.0), 0) == 0.0
    empty = threads.elementwise_in_parts(np.maximum, np.zeros((0, 3), np.float32), 0)
    assert empty.shape == (0, 3) and empty.dtype == np.float32
    assert cl.functional.relu(np.array([-1, 2], dtype=np.int8)).dtype == np.float32
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    # Shapes that broadcast are one plain call, with NumPy's result.
    np.testing.assert_array_equal(cl.functional.relu_backward(2.0, x), [[0, 2], [2, 0]])
    np.testing.assert_array_equal(
        threads.elementwise_in_parts(np.add, x, np.array([10.0, 20.0])), x + [10.0, 20.0]
    )
    # Mixed precision promotes as NumPy does: float64 gradients stay float64.
    dx = cl.functional.relu_backward(np.ones((2, 2)), x.astype(np.float32))
    assert dx.dtype == np.float64
