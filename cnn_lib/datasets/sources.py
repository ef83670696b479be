"""Where each data set comes from, and the checksums that prove a file is the right one.

``SOURCES`` is the single registry the loaders read. Tests replace entries
(e.g. with ``monkeypatch.setitem``) to point a loader at synthetic files.

About the checksums
-------------------
MNIST-style files are verified on their **decompressed** bytes: mirrors (and
Debian) recompress the ``.gz`` wrappers, which changes the archive's checksum
but not its content. The CIFAR-10 archive is served unchanged, so its own
bytes are verified.

- MNIST test files: the SHA-256 values were checked here against the real
  files (they agree with the official MD5s of the decompressed data).
- MNIST training files: not available offline here, so their SHA-256 values
  could not be checked locally; they are the values published by several
  independent open-source projects, which all agree.
- Fashion-MNIST: computed here from Debian's ``dataset-fashion-mnist`` package,
  whose decompressed files are Zalando's originals (the same values are
  published by projects that checked the official archive MD5s).
- CIFAR-10 (binary version, 170,052,171 bytes, official MD5
  ``c32a1d4ab5d03f1284b67883e8d87530``): the archive is not available offline
  here; its SHA-256 is the value published by several independent projects.

A checksum of ``None`` switches verification off for that file.

About the sizes
---------------
``sizes`` gives each file's known content size: the decompressed IDX data for
MNIST-style files (``60000 * 28 * 28 + 16`` bytes for training images), the
archive itself for CIFAR-10. Downloads are capped from it (a gzip file is
never much larger than its content) and ``read_idx`` refuses a header that
announces more, so a wrong or hostile file cannot fill the disk or memory.

Taught in chapter 14, Colour images (loading CIFAR-10 and caching downloads).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """One downloadable data set.

    Parameters
    ----------
    title : str
        Human-readable name used in messages (``"Fashion-MNIST"``).
    folder : str
        Sub-folder of the cache that holds its files (``"fashion_mnist"``).
    mirrors : tuple of str
        Base URLs tried in order; a file's URL is ``mirror + "/" + name``.
    files : dict
        File name -> expected SHA-256 (hex) or ``None`` (not verified).
    decompressed_checksums : bool
        ``True`` when the checksum is of the gunzipped content (MNIST files).
    system_dirs : tuple of str
        Folders where an operating-system package may have installed the files.
    url_variable : str
        Environment variable that overrides the mirrors for this data set.
    install_hint : str
        Extra advice for the "not found" message.
    sizes : dict
        File name -> known content size in bytes (decompressed when
        ``decompressed_checksums``); files not listed are not capped.
    """

    title: str
    folder: str
    mirrors: tuple[str, ...]
    files: dict[str, str | None] = field(default_factory=dict)
    decompressed_checksums: bool = True
    system_dirs: tuple[str, ...] = ()
    url_variable: str = ""
    install_hint: str = ""
    sizes: dict[str, int] = field(default_factory=dict)

    def download_cap(self, name: str) -> int | None:
        """The most bytes a download of ``name`` may bring (``None``: no known size)."""
        size = self.sizes.get(name)
        if size is None or not self.decompressed_checksums:
            return size
        # A gzip file of incompressible data is at most ~0.1% plus a header larger.
        return size + size // 500 + 4096


#: Decompressed sizes of the MNIST / Fashion-MNIST IDX files (16- or 8-byte header + data).
IDX_SIZES = {
    "train-images-idx3-ubyte.gz": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte.gz": 8 + 60_000,
    "t10k-images-idx3-ubyte.gz": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte.gz": 8 + 10_000,
}

#: Base URL of a mirror laid out like the cache (``<url>/<folder>/<file>``).
GENERIC_URL_VARIABLE = "CNN_LIB_DATA_URL"

SOURCES: dict[str, Source] = {
    "mnist": Source(
        title="MNIST",
        folder="mnist",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist",
            "https://storage.googleapis.com/cvdf-datasets/mnist",
        ),
        files={
            # Published values, not verifiable offline here (see module docstring).
            "train-images-idx3-ubyte.gz": (
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
            ),
            "train-labels-idx1-ubyte.gz": (
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
            ),
            # Checked here against the real files.
            "t10k-images-idx3-ubyte.gz": (
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
            ),
        },
        url_variable="CNN_LIB_MNIST_URL",
        sizes=IDX_SIZES,
    ),
    "fashion_mnist": Source(
        title="Fashion-MNIST",
        folder="fashion_mnist",
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
            "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion",
        ),
        files={
            # Computed here from Debian's dataset-fashion-mnist (Zalando's originals).
            "train-images-idx3-ubyte.gz": (
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
            ),
            "train-labels-idx1-ubyte.gz": (
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
            ),
        },
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        url_variable="CNN_LIB_FASHION_MNIST_URL",
        install_hint="on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist",
        sizes=IDX_SIZES,
    ),
    "cifar10": Source(
        title="CIFAR-10",
        folder="cifar10",
        mirrors=("https://www.cs.toronto.edu/~kriz",),
        files={
            # Published value, not verifiable offline here (see module docstring).
            "cifar-10-binary.tar.gz": (
                "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
            ),
        },
        decompressed_checksums=False,
        url_variable="CNN_LIB_CIFAR10_URL",
        sizes={"cifar-10-binary.tar.gz": 170_052_171},
    ),
}
