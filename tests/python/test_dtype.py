"""The dtype option from Python and the command: float64 batches equal what the SageMaker SDK wrote
and what Python's float() reads from CSV, bit for bit; .npy output in <f8; bad values refused."""
import io
import json
import subprocess

import numpy as np
import pytest

import chanload
from job_trees import write_tree


def channel(tmp_path, content_type):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": content_type, "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    return root, folder


def sdk_dense_channel(tmp_path, array, labels):
    common = pytest.importorskip("sagemaker.amazon.common")
    root, folder = channel(tmp_path, "application/x-recordio-protobuf")
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, array, labels)
    (folder / "data.rec").write_bytes(buffer.getvalue())
    return root


def gather(loader):
    features, labels = [], []
    for batch in loader:
        features.append(batch.features.copy())
        labels.append(batch.labels[:, 0].copy())
    return np.concatenate(features), np.concatenate(labels)


def full_precision(rows, columns, seed):
    """float64 values that float32 cannot hold: 17 significant digits, tiny and huge magnitudes."""
    rng = np.random.default_rng(seed)
    array = rng.normal(size=(rows, columns)) * 10.0 ** rng.integers(-300, 300, size=(rows, columns))
    array[0, :3] = [0.1, 1e300, 1e-310]
    return array


@pytest.mark.parametrize("dtype", ["float64", np.float64, np.dtype("<f8")])
def test_sdk_float64_tensors_read_as_float64_equal_the_array(tmp_path, dtype):
    array = full_precision(500, 13, seed=11)
    labels = np.linspace(0, 1, 500)
    root = sdk_dense_channel(tmp_path, array, labels)
    loader = chanload.Loader("train", str(root), batch_size=64, threads=3, dtype=dtype)
    batch = next(loader)
    assert batch.dtype == "float64"
    assert batch.features.dtype == np.float64 and batch.labels.dtype == np.float64
    assert not batch.features.flags.owndata  # still a view of the pool
    assert np.from_dlpack(batch.features).dtype == np.float64
    features, got_labels = gather(chanload.Loader("train", str(root), batch_size=64, threads=3, dtype=dtype))
    np.testing.assert_array_equal(features, array)
    np.testing.assert_array_equal(got_labels, labels)


def test_sdk_int32_tensors_beyond_2_pow_24_are_exact_in_float64(tmp_path):
    array = (np.arange(300 * 4, dtype=np.int64).reshape(300, 4) + 16777217)
    labels = np.arange(300, dtype=np.int64) - 150
    root = sdk_dense_channel(tmp_path, array, labels)
    features, got_labels = gather(chanload.Loader("train", str(root), batch_size=100, dtype="float64"))
    np.testing.assert_array_equal(features, array.astype(np.float64))
    np.testing.assert_array_equal(got_labels, labels.astype(np.float64))
    rounded, _ = gather(chanload.Loader("train", str(root), batch_size=100))  # float32 by default
    assert rounded.dtype == np.float32 and rounded[0, 0] == np.float32(16777216)


def test_sdk_sparse_float64_as_float64_csr(tmp_path):
    scipy_sparse = pytest.importorskip("scipy.sparse")
    common = pytest.importorskip("sagemaker.amazon.common")
    matrix = scipy_sparse.random(200, 30, density=0.2, format="csr", dtype=np.float64, random_state=4)
    matrix.data = matrix.data / 3.0
    labels = np.arange(200, dtype=np.float64) / 7.0
    root, folder = channel(tmp_path, "application/x-recordio-protobuf")
    buffer = io.BytesIO()
    common.write_spmatrix_to_sparse_tensor(buffer, matrix, labels)
    (folder / "sparse.rec").write_bytes(buffer.getvalue())
    parts, got_labels = [], []
    for batch in chanload.Loader("train", str(root), batch_size=64, dtype="float64"):
        assert batch.kind == "sparse" and batch.values.dtype == np.float64
        parts.append(chanload.csr_matrix(batch).copy())
        got_labels.append(batch.labels[:, 0].copy())
    np.testing.assert_array_equal(scipy_sparse.vstack(parts).toarray(), matrix.toarray())
    np.testing.assert_array_equal(np.concatenate(got_labels), labels)


def csv_float64_channel(tmp_path):
    array = full_precision(400, 6, seed=12)
    array[1, :2] = [3.4e39, -0.30000000000000004]
    root, folder = channel(tmp_path, "text/csv;label_size=1")
    lines = [",".join(repr(float(v)) for v in row) for row in array]
    (folder / "part-1.csv").write_text("\n".join(lines) + "\n")
    return root, lines


def test_csv_float64_equals_python_float_of_each_field(tmp_path):
    root, lines = csv_float64_channel(tmp_path)
    expected = np.array([[float(field) for field in line.split(",")] for line in lines])
    features, labels = gather(chanload.Loader("train", str(root), batch_size=50, shuffle_window=0,
                                              dtype="float64"))
    assert features.dtype == np.float64
    np.testing.assert_array_equal(features, expected[:, 1:])
    np.testing.assert_array_equal(labels, expected[:, 0])
    assert features[1, 0] == -0.30000000000000004 and labels[1] == 3.4e39


def test_read_command_writes_float64_npy(tmp_path, chanload_bin):
    root, lines = csv_float64_channel(tmp_path)
    expected = np.array([[float(field) for field in line.split(",")] for line in lines])
    out = tmp_path / "out"
    result = subprocess.run([chanload_bin, "read", "--root", str(root), "--channel", "train", "--dtype", "float64",
                             "--output", str(out), "--stats"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dtype"] == "float64"
    features, labels = np.load(out / "features.npy"), np.load(out / "labels.npy")
    assert features.dtype == np.dtype("<f8") and labels.dtype == np.dtype("<f8")
    np.testing.assert_array_equal(features, expected[:, 1:])
    np.testing.assert_array_equal(labels[:, 0], expected[:, 0])


def test_read_command_refuses_a_bad_dtype_naming_the_option(tmp_path, chanload_bin):
    root, _ = csv_float64_channel(tmp_path)
    result = subprocess.run([chanload_bin, "read", "--root", str(root), "--channel", "train", "--dtype", "half"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "--dtype" in result.stderr and "half" in result.stderr


@pytest.mark.parametrize("dtype, shown", [("float16", '"float16"'), ("f8", '"f8"'), (np.int32, '"int32"'),
                                          (3, "3")])
def test_a_bad_dtype_is_a_config_error_naming_it_and_the_choices(tmp_path, dtype, shown):
    root, _ = csv_float64_channel(tmp_path)
    with pytest.raises(chanload.ConfigError) as error:
        chanload.Loader("train", str(root), dtype=dtype)
    assert f"dtype: {shown} is not float32 or float64" in str(error.value)


def test_float32_stays_the_default(tmp_path):
    root, _ = csv_float64_channel(tmp_path)
    batch = next(chanload.Loader("train", str(root), batch_size=10))
    assert batch.dtype == "float32" and batch.features.dtype == np.float32
