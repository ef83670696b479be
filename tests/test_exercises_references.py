"""The checkers' own answers, checked against independent references:
SciPy, PyTorch (when installed), brute-force loops, hand-worked arrays and
finite differences. A checker is only as good as its reference."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numerical_grad
from scipy import signal, special

from cnn_lib.exercises import ch01_03, ch04_05, ch06, ch07_08, ch09_10, ch11_12, ch13_15, ch16
from cnn_lib.exercises.registry import all_exercises
from cnn_lib.exercises.runner import judge


def numerical_gradient(loss, a):
    """d loss(a) / d a by centred finite differences (``a`` is changed and restored)."""
    return numerical_grad(lambda: loss(a), a)


rng = np.random.default_rng(7)
REF = {label: e.reference for label, e in all_exercises().items()}


@pytest.mark.parametrize("shape", [((5, 5), (3, 3)), ((6, 7), (2, 3)), ((4, 4), (4, 1))])
def test_correlation_and_full_convolution_equal_scipy(shape):
    x, w = rng.normal(size=shape[0]), rng.normal(size=shape[1])
    assert np.allclose(ch01_03.correlate_valid(x, w), signal.correlate2d(x, w, "valid"))
    assert np.allclose(ch01_03.convolve_full(x, w), signal.convolve2d(x, w, "full"))


def test_correlation_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    w = np.array([[1.0, 0.0], [0.0, -1.0]])
    assert np.array_equal(ch01_03.correlate_valid(x, w), [[-4.0, -4.0], [-4.0, -4.0]])


def test_to_nchw_by_hand():
    out = REF["img-ex-to-nchw"](np.array([[[0, 255], [51, 102]]], dtype=np.uint8))
    assert out.shape == (1, 1, 2, 2) and out.dtype == np.float32
    assert np.allclose(out[0, 0], [[0.0, 1.0], [0.2, 0.4]])


@pytest.mark.parametrize(
    "args", [(28, 3, 1, 1, 1), (7, 3, 2, 1, 1), (10, 3, 2, 0, 1), (32, 3, 1, 2, 2), (9, 3, 3, 1, 2)]
)
def test_output_size_equals_counting_the_window_positions(args):
    n, k, s, p, d = args
    span = d * (k - 1)  # distance from the first tap to the last
    positions = [i for i in range(0, n + 2 * p, s) if i + span <= n + 2 * p - 1]
    assert ch04_05.output_size(*args) == len(positions)


def test_pad2d_by_hand():
    out = REF["pad-ex-pad2d"](np.ones((1, 1, 2, 3)), 1)
    assert out.shape == (1, 1, 4, 5)
    assert out.sum() == 6 and out[0, 0, 1:3, 1:4].min() == 1 and out[0, 0, 0].max() == 0


def test_conv2d_equals_scipy_summed_over_channels():
    x, w, b = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    want = np.array(
        [
            [
                sum(signal.correlate2d(x[n, c], w[o, c], "valid") for c in range(3)) + b[o]
                for o in range(4)
            ]
            for n in range(2)
        ]
    )
    assert np.allclose(ch04_05.conv2d(x, w, b), want)


def test_conv2d_equals_torch():
    torch = pytest.importorskip("torch")
    x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    want = torch.nn.functional.conv2d(*(torch.from_numpy(a) for a in (x, w, b))).numpy()
    assert np.allclose(ch04_05.conv2d(x, w, b), want)


def test_macs_equal_counting_the_products_of_a_loop():
    c_in, c_out, k, h_out, w_out = 2, 3, 3, 4, 5
    products = 0
    for _o, _i, _j, _c, _u, _v in np.ndindex(c_out, h_out, w_out, c_in, k, k):
        products += 1
    assert REF["ch-ex-macs"](c_in, c_out, k, h_out, w_out) == products


def test_max_pool_equals_torch_and_its_backward_equals_finite_differences():
    x = rng.permutation(2 * 3 * 5 * 4).reshape(2, 3, 5, 4).astype(np.float64)
    g = rng.normal(size=(2, 3, 2, 2))
    numeric = numerical_gradient(lambda v: np.sum(g * ch06.max_pool(v, 2)), x.copy())
    assert np.allclose(ch06.max_pool_backward(g, x, 2), numeric, atol=1e-6)
    torch = pytest.importorskip("torch")
    want = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2).numpy()
    assert np.array_equal(ch06.max_pool(x, 2), want)


@pytest.mark.parametrize(
    "layers", [[(3, 1), (3, 1)], [(3, 1), (2, 2), (3, 1)], [(5, 1), (2, 2), (5, 1), (2, 2)]]
)
def test_receptive_field_equals_tracing_which_pixels_reach_one_output(layers):
    reach = {0}  # pixels of the current layer that influence output 0
    for k, s in reversed(layers):
        reach = {i * s + u for i in reach for u in range(k)}
    assert ch06.receptive_field(layers) == max(reach) - min(reach) + 1


@pytest.mark.parametrize(
    ("label", "forward"),
    [
        ("act-ex-relu-backward", lambda x: np.maximum(x, 0)),
        ("act-ex-sigmoid-backward", special.expit),
    ],
)
def test_activation_gradients_equal_finite_differences(label, forward):
    x = rng.normal(size=(3, 4))  # no exact zeros: finite differences are exact off the kink
    g = rng.normal(size=(3, 4))
    numeric = numerical_gradient(lambda v: np.sum(g * forward(v)), x.copy())
    assert np.allclose(REF[label](g, x), numeric, atol=1e-6)


def test_relu_gradient_is_zero_at_zero_as_in_torch():
    assert REF["act-ex-relu-backward"](np.ones(3), np.array([-1.0, 0.0, 1.0])).tolist() == [0, 0, 1]


def test_unflatten_index_equals_numpy():
    for index in range(60):
        want = tuple(int(i) for i in np.unravel_index(index, (3, 4, 5)))
        assert ch07_08.unflatten_index(index, (3, 4, 5)) == want


def test_linear_backward_equals_finite_differences():
    g, x, w, b = (
        rng.normal(size=(4, 3)),
        rng.normal(size=(4, 5)),
        rng.normal(size=(3, 5)),
        rng.normal(size=3),
    )
    dx, dw, db = ch07_08.linear_backward(g, x, w)
    assert np.allclose(dx, numerical_gradient(lambda v: np.sum(g * (v @ w.T + b)), x.copy()))
    assert np.allclose(dw, numerical_gradient(lambda v: np.sum(g * (x @ v.T + b)), w.copy()))
    assert np.allclose(db, numerical_gradient(lambda v: np.sum(g * (x @ w.T + v)), b.copy()))


def test_softmax_and_cross_entropy_equal_scipy_and_the_gradient_finite_differences():
    z, y = rng.normal(size=(4, 5)) * 3, np.array([0, 3, 4, 3])
    assert np.allclose(ch09_10.softmax(z), special.softmax(z, axis=1))
    assert np.allclose(ch09_10.softmax(np.array([[1000.0, 1001.0]])), special.softmax([1000, 1001]))
    want = np.mean(special.logsumexp(z, axis=1) - z[np.arange(4), y])
    assert np.isclose(ch09_10.cross_entropy(z, y), want)
    numeric = numerical_gradient(lambda v: ch09_10.cross_entropy(v, y), z.copy())
    assert np.allclose(ch09_10.cross_entropy_grad(z, y), numeric, atol=1e-6)


def test_conv_gradients_equal_finite_differences():
    x, w, g = rng.normal(size=(5, 6)), rng.normal(size=(3, 2)), rng.normal(size=(3, 5))

    def loss_of_x(v):
        return np.sum(g * signal.correlate2d(v, w, "valid"))

    def loss_of_w(v):
        return np.sum(g * signal.correlate2d(x, v, "valid"))

    assert np.allclose(REF["bp-ex-conv-dw"](x, g), numerical_gradient(loss_of_w, w.copy()))
    assert np.allclose(REF["bp-ex-conv-dx"](g, w), numerical_gradient(loss_of_x, x.copy()))


def test_inverted_dropout_by_hand():
    out = REF["drop-ex-inverted"](np.array([2.0, 4.0, 6.0]), np.array([1.0, 0.0, 1.0]), 0.5)
    assert out.tolist() == [4.0, 0.0, 12.0]


def test_sgd_momentum_and_adam_equal_torch():
    torch = pytest.importorskip("torch")
    theta, grad, velocity = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)
    p = torch.nn.Parameter(torch.from_numpy(theta.copy()))
    sgd = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sgd.state[p]["momentum_buffer"] = torch.from_numpy(velocity.copy())
    p.grad = torch.from_numpy(grad.copy())
    sgd.step()
    new_theta, new_velocity = ch11_12.sgd_momentum(theta, grad, velocity, 0.1, 0.9)
    assert np.allclose(new_theta, p.detach().numpy())
    assert np.allclose(new_velocity, sgd.state[p]["momentum_buffer"].numpy())

    q = torch.nn.Parameter(torch.from_numpy(theta.copy()))
    opt = torch.optim.Adam([q], lr=0.01, betas=(0.9, 0.999), eps=0.1)
    m, v = np.zeros(4), np.zeros(4)
    t_theta = theta.copy()
    for t in (1, 2, 3):
        g = np.cos(t * t_theta)
        q.grad = torch.from_numpy(np.cos(t * q.detach().numpy()))
        opt.step()
        t_theta, m, v = ch11_12.adam(t_theta, g, m, v, t, 0.01, 0.9, 0.999, 0.1)
    assert np.allclose(t_theta, q.detach().numpy())


def test_sgd_momentum_by_hand():
    theta, velocity = ch11_12.sgd_momentum(
        np.array([1.0]), np.array([2.0]), np.array([1.0]), 0.1, 0.5
    )
    assert np.allclose(velocity, [2.5]) and np.allclose(theta, [0.75])


def test_accuracy_and_confusion_by_hand():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0]])
    assert REF["train-ex-accuracy"](logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    matrix = ch13_15.confusion(np.array([0, 1, 1]), np.array([0, 1, 0]), 2)
    assert matrix.tolist() == [[1, 0], [1, 1]]


def test_normalize_gives_each_channel_mean_0_and_std_1():
    out = ch13_15.normalize(rng.random((4, 3, 5, 5)) * 7 + 2)
    assert np.allclose(out.mean(axis=(0, 2, 3)), 0) and np.allclose(out.std(axis=(0, 2, 3)), 1)


def test_im2col_times_the_weights_is_the_convolution():
    x, w = rng.normal(size=(2, 4, 5)), rng.normal(size=(3, 2, 3, 3))
    out = (w.reshape(3, -1) @ ch13_15.im2col(x, 3)).reshape(3, 2, 3)
    want = [sum(signal.correlate2d(x[c], w[o, c], "valid") for c in range(2)) for o in range(3)]
    assert np.allclose(out, want)


def test_batch_norm_by_hand():
    # channel 0: [1, 3], mean 2, var 1; channel 1: [4, 8], mean 6, var 4
    x = np.array([[[[1.0]], [[4.0]]], [[[3.0]], [[8.0]]]])  # (2, 2, 1, 1)
    gamma, beta = np.array([2.0, 1.0]), np.array([0.5, -1.0])
    out = REF["beyond-ex-bn-forward"](x, gamma, beta, 0.0)
    assert np.allclose(out[:, :, 0, 0], [[-1.5, -2.0], [2.5, 0.0]])
    # eps = 3 goes under the root: channel 0 divides by sqrt(1 + 3) = 2
    out = REF["beyond-ex-bn-forward"](x, gamma, beta, 3.0)
    assert np.allclose(out[:, 0, 0, 0], [2 * -0.5 + 0.5, 2 * 0.5 + 0.5])


@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_batch_norm_equals_torch_in_training_mode(eps):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(4, 3, 5, 6)) * np.array([1.0, 0.01, 3.0]).reshape(1, 3, 1, 1)
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    want = torch.nn.functional.batch_norm(
        torch.from_numpy(x),
        None,
        None,
        torch.from_numpy(gamma),
        torch.from_numpy(beta),
        training=True,
        eps=eps,
    ).numpy()
    assert np.allclose(REF["beyond-ex-bn-forward"](x, gamma, beta, eps), want)


def test_cosine_lr_by_hand():
    cosine = REF["beyond-ex-cosine"]
    assert cosine(0, 1.0, 4) == pytest.approx(1.0)
    assert cosine(1, 1.0, 4) == pytest.approx((1 + np.sqrt(0.5)) / 2)
    assert cosine(2, 1.0, 4) == pytest.approx(0.5)
    assert cosine(4, 1.0, 4) == pytest.approx(0.0)
    assert cosine(2, 0.3, 4, 0.1) == pytest.approx(0.2)  # halfway: the mean of the ends
    assert cosine(4, 0.3, 4, 0.1) == pytest.approx(0.1)


@pytest.mark.parametrize(("lr0", "e_max", "lr_min"), [(0.1, 10, 0.0), (0.05, 7, 0.001)])
def test_cosine_lr_equals_torch_at_every_epoch(lr0, e_max, lr_min):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=e_max, eta_min=lr_min)
    for e in range(e_max + 1):
        assert REF["beyond-ex-cosine"](e, lr0, e_max, lr_min) == pytest.approx(
            schedule.get_last_lr()[0], rel=1e-9, abs=1e-12
        )
        opt.step()
        schedule.step()


def test_chapter_16_mistakes_are_each_recognised_by_name():
    for label in ("beyond-ex-bn-forward", "beyond-ex-cosine"):
        exercise = all_exercises()[label]
        assert len(exercise.mistakes) >= 3
        for mistake in exercise.mistakes:
            verdict = judge(exercise, mistake.answer)
            assert not verdict.ok and verdict.hint == mistake.hint, (label, mistake.name)


def test_other_correct_batch_norms_pass_the_check():
    """A loop over channels and a std-based answer are right too: the checker says so."""

    def by_channel(x, gamma, beta, eps=1e-5):
        out = np.empty_like(x)
        for c in range(x.shape[1]):
            values = x[:, c]
            std = np.sqrt(np.mean((values - values.mean()) ** 2) + eps)
            out[:, c] = gamma[c] * (values - values.mean()) / std + beta[c]
        return out

    def with_std(x, gamma, beta, eps=1e-5):
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        std = np.sqrt(x.std(axis=(0, 2, 3), keepdims=True) ** 2 + eps)
        return gamma[None, :, None, None] * (x - mean) / std + beta[None, :, None, None]

    bn = all_exercises()["beyond-ex-bn-forward"]
    assert judge(bn, by_channel).ok and judge(bn, with_std).ok
    assert judge(bn, ch16.batch_norm).ok


def test_a_numpy_cosine_lr_passes_the_check():
    def my_cosine_lr(e, lr0, e_max, lr_min=0.0):
        return lr_min + 0.5 * (lr0 - lr_min) * (1 + np.cos(np.pi * e / e_max))

    assert judge(all_exercises()["beyond-ex-cosine"], my_cosine_lr).ok
