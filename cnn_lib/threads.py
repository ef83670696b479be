"""A second core for the fast layers: split the batch over threads.

Taught in chapter 15, Making it fast. The samples of a batch never meet in a
convolution, a pooling layer or an elementwise function, so the batch can be
cut into parts that are computed at the same time. Python threads can do that
here because NumPy releases Python's global lock inside matrix products and
elementwise passes over large arrays: two threads then really run on two cores.

``set_num_threads(n)`` makes the fast (default) convolution and max pooling,
and ReLU, cut every batch large enough into ``n`` parts, like PyTorch's function
of the same name. The default is one thread: nothing is split, and results do
not depend on the number of cores. With ``n`` threads the results are the same
for every run with the same ``n``; a weight gradient is then summed part by
part, so it can differ from the one-thread sum in the last bits of float32.

While ``n > 1``, NumPy's BLAS is limited to one thread per call (with
threadpoolctl): the ``n`` threads already fill the cores, and BLAS threads on
top would wait for each other. ``set_num_threads(1)`` gives BLAS its previous
limit back. The naive loops (``impl="naive"``) always run on one thread.

The other threads wait for parts in a plain queue each. A part reaches a
waiting thread in about 15 microseconds this way; ``concurrent.futures``
took about 75 on the 2-core machine the book is built on, and a training
step of the chapter's network hands over a dozen parts.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading

import numpy as np

from cnn_lib._validation import check_positive_int

__all__ = ["elementwise_in_parts", "get_num_threads", "run_in_parts", "set_num_threads"]
__all__ += ["using_threads"]

#: A part smaller than this many array elements is not worth a thread: handing
#: it over costs tens of microseconds, about what the part itself would take.
MIN_PART_SIZE = 2**15

# inboxes: one queue per running worker thread (started on first use)
_state = {"threads": 1, "inboxes": [], "blas_limit": None}


def get_num_threads() -> int:
    """The number of parts the fast layers cut a batch into (1 by default)."""
    return _state["threads"]


def set_num_threads(n) -> None:
    """Run the fast convolution, max pooling and ReLU on ``n`` threads (``n >= 1``).

    Examples
    --------
    >>> set_num_threads(2); get_num_threads()
    2
    >>> set_num_threads(1)  # back to the default
    """
    n = check_positive_int(n, "n")
    for inbox in _state["inboxes"]:
        inbox.put(None)  # the worker thread ends after its current part
    _state["inboxes"], _state["threads"] = [], n
    if n > 1 and _state["blas_limit"] is None:
        _state["blas_limit"] = blas_on_one_thread()
    elif n == 1 and _state["blas_limit"] is not None:
        _state["blas_limit"].restore_original_limits()
        _state["blas_limit"] = None


def _inboxes(count):
    """The inboxes of ``count`` worker threads, starting the threads still missing."""
    inboxes = _state["inboxes"]
    while len(inboxes) < count:
        inbox = queue.SimpleQueue()
        name = f"cnn_lib-worker-{len(inboxes) + 1}"
        threading.Thread(target=_serve, args=(inbox,), name=name, daemon=True).start()
        inboxes.append(inbox)
    return inboxes[:count]


def _serve(inbox):
    """A worker thread's loop: run each part from ``inbox``, report it."""
    while (task := inbox.get()) is not None:
        work, start, stop, report = task
        try:
            report.put((start, work(start, stop), None))
        except BaseException as error:  # the caller raises it
            report.put((start, None, error))


# A process made by fork has none of its parent's threads: its workers start
# anew on first use, or its first split would wait forever.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _state.update(inboxes=[]))


@contextlib.contextmanager
def using_threads(n):
    """``set_num_threads(n)`` inside a ``with`` block, the previous number after it.

    Examples
    --------
    >>> with using_threads(2):
    ...     print(get_num_threads())
    2
    >>> get_num_threads()
    1
    """
    old = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(old)


def blas_on_one_thread():
    """Limit NumPy's BLAS to one thread now; None when threadpoolctl is missing.

    The returned limit undoes itself with ``.restore_original_limits()`` or at
    the end of a ``with`` block.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a dependency, but keep working without it
        return None
    return threadpool_limits(1, user_api="blas")


def run_in_parts(work, n_samples: int, size: int) -> list:
    """Call ``work(start, stop)`` on consecutive parts of ``range(n_samples)``.

    The parts run at the same time, one per thread; the calling thread
    computes the first. One part (the whole range) when one thread is set or
    when parts would hold fewer than :data:`MIN_PART_SIZE` of the ``size``
    elements the work touches. ``work`` must write only its own samples
    and must not call this function itself (its threads would wait forever).

    Returns
    -------
    list
        What each call returned, in the order of the parts. An exception in
        any part is raised here, once every part has finished.

    Examples
    --------
    >>> run_in_parts(lambda start, stop: (start, stop), 10, size=100)
    [(0, 10)]
    """
    parts = min(_state["threads"], n_samples, size // MIN_PART_SIZE)
    if parts <= 1:  # one part: no thread needed
        return [work(0, n_samples)]
    bounds = [n_samples * i // parts for i in range(parts + 1)]
    report = queue.SimpleQueue()  # other threads put (start, result, error)
    others = zip(_inboxes(parts - 1), bounds[1:-1], bounds[2:], strict=True)
    for inbox, start, stop in others:
        inbox.put((work, start, stop, report))
    try:
        first = work(bounds[0], bounds[1])
    finally:  # never leave a part running behind the caller's back
        reports = sorted(report.get() for _ in range(parts - 1))  # by start
    for _, _, error in reports:
        if error is not None:
            raise error
    return [first, *(result for _, result, _ in reports)]


def elementwise_in_parts(ufunc, *operands):
    """``ufunc(*operands)`` for an elementwise NumPy ufunc, parts of the batch at once.

    An elementwise function mixes nothing at all, so the batch can be cut like
    a convolution's: each part reads and writes only its own rows. ReLU uses
    this, ``np.maximum(x, 0)`` forward and ``grad_output * (x > 0)`` backward
    (the comparison inside each part too); the result is the same bits for
    any number of threads.

    Parameters
    ----------
    ufunc : numpy.ufunc or callable
        Any elementwise ufunc, e.g. ``np.maximum``, or an elementwise function
        of the operands that takes ``out=`` like one.
    *operands : ndarray or scalar
        Arrays of one shape (cut along their first axis) and scalars. Anything
        else (broadcasting, a single number) runs as one plain call.

    Examples
    --------
    >>> elementwise_in_parts(np.maximum, np.array([-1.0, 2.0]), 0)
    array([0., 2.])
    """
    arrays = [a for a in operands if np.ndim(a) > 0]
    if not arrays or any(np.shape(a) != np.shape(arrays[0]) for a in arrays):
        return ufunc(*operands)  # nothing to cut, or shapes that broadcast
    shape = np.shape(arrays[0])

    def rows(start, stop):  # every operand's rows start..stop-1 (scalars as they are)
        return [a[start:stop] if np.ndim(a) > 0 else a for a in operands]

    y = np.empty(shape, dtype=ufunc(*rows(0, 0)).dtype)  # the dtype the ufunc gives
    run_in_parts(lambda a, b: ufunc(*rows(a, b), out=y[a:b]), shape[0], size=y.size)
    return y
