"""Issue 15 for layers and functional ops: no memory blow-ups, bad input refused early.

Each test failed on the code before the fix: float64 temporaries at init,
allocations attempted instead of refused, NaN scans before the real error,
unclear messages for bad arguments.
"""

import tracemalloc

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib.functional import conv2d


def _peak_ratio(build):
    """Peak traced memory while ``build()`` runs, over its parameters' final size.

    The final size counts each parameter's ``data`` and its ``grad`` (zeros of
    the same shape); a float64 draw cast to float32 peaks at 1.5 times that.
    """
    tracemalloc.start()
    try:
        layer = build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / sum(p.data.nbytes + p.grad.nbytes for p in layer.parameters())


@pytest.mark.parametrize(
    "build",
    [
        lambda: cl.Linear(1_000_000, 4, rng=0),  # 16 MB of float32 weights
        lambda: cl.Conv2d(64, 256, 7, rng=0),
    ],
    ids=["Linear", "Conv2d"],
)
def test_weight_init_draws_float32_directly(build):
    # A float64 draw then .astype(float32) peaks at 3x the weights' size.
    assert _peak_ratio(build) < 1.2
    layer = build()
    assert all(p.data.dtype == np.float32 for p in layer.parameters())


def test_float32_init_keeps_the_documented_bounds():
    layer = cl.Linear(400, 300, rng=1)
    bound = 1 / np.sqrt(400)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound  # fills the interval
    assert abs(layer.weight.data.mean()) < 0.01 * bound * 10
    conv = cl.Conv2d(8, 16, 3, rng=1)
    assert np.abs(conv.weight.data).max() <= np.sqrt(6 / 72)
    assert np.abs(conv.bias.data).max() <= 1 / np.sqrt(72)


# A 16 MB input whose im2col matrix would be ~139 GiB: refused before allocating.
HUGE_X = np.zeros((1, 4, 1024, 1024), dtype=np.float32)
HUGE_W = np.zeros((1, 4, 101, 101), dtype=np.float32)


def test_conv2d_refuses_a_huge_im2col_matrix_up_front():
    with pytest.raises(ValueError, match=r"conv2d would allocate the im2col matrix .* GiB"):
        conv2d(HUGE_X, HUGE_W)
    layer = cl.Conv2d(4, 1, 101, rng=0)
    with pytest.raises(ValueError, match=r"Conv2d would allocate the im2col matrix .* GiB"):
        layer(HUGE_X)


def test_padding_of_a_trillion_is_refused_with_a_clear_message():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"would allocate the padded input .*padding"):
        conv2d(x, np.zeros((1, 1, 3, 3)), padding=10**12)
    with pytest.raises(ValueError, match=r"Conv2d would allocate the padded input .*padding"):
        cl.Conv2d(1, 2, 3, padding=10**12, rng=0)(x)


def test_shapes_are_checked_before_the_input_is_scanned_for_nan():
    # The real mistake (channels / features) is reported, not the NaN that a
    # full scan of the input would have found first.
    x = np.full((3, 2, 5, 5), np.nan)
    with pytest.raises(ValueError, match="expected input with 1 channels, got 2"):
        cl.Conv2d(1, 2, 3, rng=0)(x)
    with pytest.raises(ValueError, match="expected input with 1 channels, got 2"):
        conv2d(x, np.ones((2, 1, 3, 3)))
    with pytest.raises(ValueError, match="Linear expected input with 4 features, got 7"):
        cl.Linear(4, 2, rng=0)(np.full((3, 7), np.nan))
    with pytest.raises(ValueError, match="kernel_size=9 spans 9 pixels"):
        cl.functional.max_pool2d(x, 9)


@pytest.mark.parametrize("cls", [cl.Conv2d, cl.Linear, cl.Dropout])
@pytest.mark.parametrize("rng", ["seed", 1.5, [1, 2]])
def test_bad_rng_is_a_clear_value_error(cls, rng):
    args = {cl.Conv2d: (1, 2, 3), cl.Linear: (2, 3), cl.Dropout: (0.5,)}[cls]
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator, .* got"):
        cls(*args, rng=rng)


def test_zero_output_channels_are_refused():
    with pytest.raises(ValueError, match=r"out_channels must be a positive integer .*got 0"):
        cl.Conv2d(1, 0, 3)
    with pytest.raises(ValueError, match=r"weight must be 4-D .*every size >= 1, got shape \(0,"):
        conv2d(np.ones((1, 1, 4, 4)), np.ones((0, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"weight must be 4-D .*every size >= 1"):
        conv2d(np.ones((1, 1, 4, 4)), np.ones((0, 1, 3, 3)), impl="naive")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("impl", ["naive", "im2col"])
def test_non_finite_conv_weights_are_refused_by_layer_and_function(bad, impl):
    x = np.ones((1, 1, 4, 4), dtype=np.float32)
    layer = cl.Conv2d(1, 2, 3, impl=impl, rng=0)
    layer.weight.data[0, 0, 1, 1] = bad
    with pytest.raises(ValueError, match="Conv2d.weight contains NaN or infinite values"):
        layer(x)
    with pytest.raises(ValueError, match="weight contains NaN or infinite values"):
        conv2d(x, layer.weight.data, impl=impl)
    layer = cl.Conv2d(1, 2, 3, impl=impl, rng=0)
    layer.bias.data[1] = bad
    with pytest.raises(ValueError, match="Conv2d.bias contains NaN or infinite values"):
        layer(x)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda r: cl.Conv2d(1, 1, 1, rng=0)(r), "x"),
        (lambda r: cl.Linear(2, 2, rng=0)(r), "x"),
        (lambda r: cl.ReLU()(r), "x"),
        (lambda r: conv2d(r, np.ones((1, 1, 1, 1))), "x"),
        (lambda r: cl.functional.max_pool2d(r, 1), "x"),
        (lambda r: cl.CrossEntropyLoss()(r, [0, 1]), "logits|outputs"),
    ],
)
def test_ragged_nested_list_is_named(call, name):
    for ragged in ([[[[1.0, 2.0], [3.0]]]], [[1.0, 2.0], [3.0]]):
        with pytest.raises(ValueError, match=rf"({name}) is a ragged nested list"):
            call(ragged)
