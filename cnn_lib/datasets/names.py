"""Human-readable class names for the data sets' integer labels."""

from __future__ import annotations

from cnn_lib._validation import check_choice

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
MNIST_CLASSES = tuple(str(digit) for digit in range(10))
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_NAMES = {
    "mnist": MNIST_CLASSES,
    "fashion_mnist": FASHION_MNIST_CLASSES,
    "sample": FASHION_MNIST_CLASSES,  # load_sample() is a Fashion-MNIST subset
    "cifar10": CIFAR10_CLASSES,
}


def class_names(dataset: str) -> list[str]:
    """The label names of ``dataset``: ``names[label]`` is the class of ``label``.

    Parameters
    ----------
    dataset : str
        ``"mnist"``, ``"fashion_mnist"``, ``"sample"`` or ``"cifar10"``
        (case and ``-`` versus ``_`` do not matter).

    Returns
    -------
    list of str
        Ten names, in label order.

    Examples
    --------
    >>> class_names("fashion_mnist")[9]
    'Ankle boot'
    """
    key = str(dataset).lower().replace("-", "_") if isinstance(dataset, str) else dataset
    check_choice(key, tuple(_NAMES), "dataset")
    return list(_NAMES[key])
