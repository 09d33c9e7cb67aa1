"""chanload read against NumPy and against files written by the SageMaker Python SDK itself."""
import io
import json
import subprocess

import numpy as np
import pytest

from job_trees import write_tree


def channel_tree(tmp_path, content_type, name="train"):
    return write_tree(tmp_path / "job", {"inputdataconfig.json": {
        name: {"ContentType": content_type, "TrainingInputMode": "File"}}})


def read(chanload_bin, root, channel, *extra):
    out = root.parent / "out"
    result = subprocess.run([chanload_bin, "read", "--root", str(root), "--channel", channel, "--output", str(out),
                             "--stats", *extra], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return np.load(out / "features.npy"), np.load(out / "labels.npy"), json.loads(result.stdout)


def ulps(a, b):
    """Distance in float32 units in the last place (both finite)."""
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    return np.abs(ia - ib)


def test_csv_matches_numpy(tmp_path, chanload_bin):
    rng = np.random.default_rng(3)
    data = rng.uniform(-1e4, 1e4, size=(2000, 34)).astype(np.float32)
    root = channel_tree(tmp_path, "text/csv; label_size=1")
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    np.savetxt(folder / "part-1.csv", data[:1000], delimiter=",", fmt="%.7g")
    np.savetxt(folder / "part-2.csv", data[1000:], delimiter=",", fmt="%.7g")
    features, labels, stats = read(chanload_bin, root, "train")
    expected = np.concatenate([np.loadtxt(folder / f"part-{i}.csv", delimiter=",", dtype=np.float64)
                               for i in (1, 2)]).astype(np.float32)
    assert features.dtype == np.float32 and features.shape == (2000, 33)
    assert labels.shape == (2000, 1)
    assert stats["rows"] == 2000
    # NumPy parses to float64 and then rounds to float32 (double rounding); chanload rounds once.
    assert ulps(features, expected[:, 1:]).max() <= 1
    assert ulps(labels, expected[:, :1]).max() <= 1


def test_csv_flags_override_the_content_type(tmp_path, chanload_bin):
    """--format, --delimiter and --label-size, on a tab-separated file the ContentType does not
    describe; label_size 0 gives a labels.npy of shape (rows, 0) that numpy loads (regression)."""
    rng = np.random.default_rng(5)
    data = rng.uniform(-100, 100, size=(300, 6)).astype(np.float32)
    root = channel_tree(tmp_path, "text/plain")
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    np.savetxt(folder / "part-1.tsv", data, delimiter="\t", fmt="%.7g")
    expected = np.loadtxt(folder / "part-1.tsv", delimiter="\t", dtype=np.float64).astype(np.float32)
    features, labels, stats = read(chanload_bin, root, "train", "--format", "csv", "--delimiter", "\t")
    assert stats["format"] == "csv" and stats["rows"] == 300
    assert features.shape == (300, 6) and labels.shape == (300, 0)
    assert ulps(features, expected).max() <= 1
    features, labels, _ = read(chanload_bin, root, "train", "--format", "csv", "--delimiter", "\t",
                               "--label-size", "2")
    assert features.shape == (300, 4) and labels.shape == (300, 2)
    assert ulps(labels, expected[:, :2]).max() <= 1


def test_aligned_space_separated_columns_read_as_numpy_reads_them(tmp_path, chanload_bin):
    """--delimiter ' ': whitespace-separated, like numpy.loadtxt's default (aligned "%10.4f" columns
    start with spaces and hold runs of them)."""
    rng = np.random.default_rng(9)
    data = rng.uniform(-500, 500, size=(200, 5)).astype(np.float32)
    root = channel_tree(tmp_path, "text/csv;label_size=1")
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    np.savetxt(folder / "aligned.txt", data, fmt="%10.4f")
    expected = np.loadtxt(folder / "aligned.txt", dtype=np.float64).astype(np.float32)
    features, labels, stats = read(chanload_bin, root, "train", "--delimiter", " ")
    assert stats["rows"] == 200 and features.shape == (200, 4)
    assert ulps(features, expected[:, 1:]).max() <= 1 and ulps(labels, expected[:, :1]).max() <= 1


sdk = pytest.importorskip  # resolved inside the tests so the CSV test runs without the SDK


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_recordio_protobuf_dense_from_the_sdk(tmp_path, chanload_bin, dtype):
    common = sdk("sagemaker.amazon.common")
    rng = np.random.default_rng(5)
    array = (rng.normal(size=(300, 17)) * 100).astype(dtype)
    labels = rng.integers(0, 5, size=300).astype(dtype)
    root = channel_tree(tmp_path, "application/x-recordio-protobuf")
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, array, labels)
    (folder / "data.rec").write_bytes(buffer.getvalue())
    features, got_labels, stats = read(chanload_bin, root, "train")
    assert stats["format"] == "recordio-protobuf"
    np.testing.assert_array_equal(features, array.astype(np.float32))
    np.testing.assert_array_equal(got_labels[:, 0], labels.astype(np.float32))


def test_recordio_protobuf_sparse_from_the_sdk(tmp_path, chanload_bin):
    common = sdk("sagemaker.amazon.common")
    scipy_sparse = sdk("scipy.sparse")
    matrix = scipy_sparse.random(200, 50, density=0.1, format="csr", dtype=np.float32, random_state=7)
    labels = np.arange(200, dtype=np.float32)
    root = channel_tree(tmp_path, "application/x-recordio-protobuf")
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    common.write_spmatrix_to_sparse_tensor(buffer, matrix, labels)
    (folder / "sparse.rec").write_bytes(buffer.getvalue())
    features, got_labels, _ = read(chanload_bin, root, "train")
    np.testing.assert_array_equal(features, matrix.toarray())
    np.testing.assert_array_equal(got_labels[:, 0], labels)
