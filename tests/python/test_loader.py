"""chanload.Loader from Python: zero-copy views, their lifetime, DLPack, resume through JSON,
Ctrl-C during a blocked Pipe-mode wait, errors as Python exceptions, sparse batches."""
import gc
import inspect
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import chanload
from job_trees import write_tree


def csv_job(tmp_path, rows=1000, columns=5, mode="File", content_type="text/csv;label_size=1"):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": content_type, "TrainingInputMode": mode}}})
    data = np.arange(rows * columns, dtype=np.float32).reshape(rows, columns)
    data[:, 0] = np.arange(rows)
    if mode == "File":
        folder = root / "input" / "data" / "train"
        folder.mkdir(parents=True)
        np.savetxt(folder / "part-1.csv", data[: rows // 2], delimiter=",", fmt="%.7g")
        np.savetxt(folder / "part-2.csv", data[rows // 2:], delimiter=",", fmt="%.7g")
    return root, data


def test_batches_are_views_of_the_pool_and_match_numpy(tmp_path):
    root, data = csv_job(tmp_path)
    loader = chanload.Loader("train", str(root), batch_size=128, threads=2)
    assert loader.format == "csv"
    features, labels = [], []
    for batch in loader:
        f = batch.features
        assert f.dtype == np.float32 and f.shape == (batch.rows, 4)
        assert not f.flags.owndata and not batch.labels.flags.owndata
        assert batch.features.__array_interface__["data"][0] == f.__array_interface__["data"][0]
        shared = np.from_dlpack(f)
        assert np.shares_memory(shared, f)
        features.append(f.copy())
        labels.append(batch.labels[:, 0].copy())
    np.testing.assert_array_equal(np.concatenate(features), data[:, 1:])
    np.testing.assert_array_equal(np.concatenate(labels), data[:, 0])


def test_a_view_outlives_the_loader(tmp_path):
    root, data = csv_job(tmp_path)
    loader = chanload.Loader("train", str(root), batch_size=100)
    view = next(iter(loader)).features
    del loader
    gc.collect()
    np.testing.assert_array_equal(view, data[:100, 1:])


def test_resume_through_json(tmp_path):
    root, _ = csv_job(tmp_path, rows=500)
    options = dict(batch_size=32, shuffle_window=64, seed=9, epochs=2, threads=2)
    whole = [b.labels[:, 0].copy() for b in chanload.Loader("train", str(root), **options)]
    first = chanload.Loader("train", str(root), **options)
    head = [next(first).labels[:, 0].copy() for _ in range(20)]
    state = json.loads(json.dumps(first.state()))
    assert state["epoch"] == 1 and state["seed"] == 9
    rest = [b.labels[:, 0].copy() for b in chanload.Loader("train", str(root), resume=state,
                                                          **{k: v for k, v in options.items() if k != "seed"})]
    assert len(head) + len(rest) == len(whole)
    for got, expected in zip(head + rest, whole):
        np.testing.assert_array_equal(got, expected)


def test_errors_are_python_exceptions_with_the_message(tmp_path):
    root, _ = csv_job(tmp_path)
    with open(root / "input" / "data" / "train" / "part-2.csv", "a") as out:
        out.write("1,2,oops,4,5\n")
    with pytest.raises(chanload.DataError, match=r"part-2.csv line 501: field 3: \"oops\" is not a number"):
        for _ in chanload.Loader("train", str(root)):
            pass
    with pytest.raises(chanload.ConfigError, match="no channel"):
        chanload.Loader("nope", str(root))
    with pytest.raises(chanload.ConfigError, match="batch_size"):
        chanload.Loader("train", str(root), batch_size=0)
    assert issubclass(chanload.DataError, chanload.IoError) and issubclass(chanload.IoError, chanload.Error)
    skipped = chanload.Loader("train", str(root), bad_records="skip")
    assert sum(b.rows for b in skipped) == 1000 and skipped.stats()["bad_records"] == 1


def test_csv_quote_and_recordio_join_options(tmp_path):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "text/csv;label_size=1"},
        "wrapped": {"ContentType": "text/csv", "TrainingInputMode": "Pipe", "RecordWrapperType": "RecordIO"}}})
    (root / "input" / "data" / "train").mkdir(parents=True)
    (root / "input" / "data" / "train" / "a.csv").write_text("'1',' 2.5'\n3,'4'\n")
    batch = next(iter(chanload.Loader("train", str(root), quote="'")))
    np.testing.assert_array_equal(batch.labels[:, 0], [1, 3])
    np.testing.assert_array_equal(batch.features[:, 0], [2.5, 4])
    with pytest.raises(chanload.DataError, match=r"a.csv line 1: field 1: \"'1'\" is not a number"):
        next(iter(chanload.Loader("train", str(root))))
    magic = (0xCED7230A).to_bytes(4, "little")

    def part(cflag, payload):
        return magic + ((cflag << 29) | len(payload)).to_bytes(4, "little") + payload + b"\0" * (-len(payload) % 4)
    def first_batch(**options):
        """Epoch 0's FIFO fed as the platform feeds a wrapped channel in Pipe mode."""
        fifo = root / "input" / "data" / "wrapped_0"
        os.mkfifo(fifo)

        def feed():
            with open(fifo, "wb") as out:
                out.write(part(1, b"1,") + part(3, b"2\n"))
        feeder = threading.Thread(target=feed, daemon=True)  # a loader that never opens must not hang pytest
        feeder.start()
        try:
            loader = chanload.Loader("wrapped", str(root), pipe_timeout=30, **options)
            return loader.format, bytes(next(iter(loader)).payloads)
        finally:
            feeder.join(timeout=30)
            fifo.unlink()
    assert first_batch() == ("recordio", b"1,2\n")
    assert first_batch(recordio_join="dmlc") == ("recordio", b"1," + magic + b"2\n")
    with pytest.raises(chanload.ConfigError, match="recordio_join"):
        chanload.Loader("wrapped", str(root), recordio_join="mxnet")
    with pytest.raises(chanload.ConfigError, match="quote"):
        chanload.Loader("train", str(root), quote="''")


def test_pipe_timeout_is_a_timeout_error(tmp_path):
    root, _ = csv_job(tmp_path, mode="Pipe")
    (root / "input" / "data").mkdir(parents=True, exist_ok=True)
    with pytest.raises(chanload.TimeoutError, match="train_0"):
        chanload.Loader("train", str(root), pipe_timeout=0.2).next()


def test_ctrl_c_interrupts_a_wait_for_a_fifo_writer(tmp_path):
    root, _ = csv_job(tmp_path, mode="Pipe")
    (root / "input" / "data").mkdir(parents=True, exist_ok=True)
    script = textwrap.dedent(f"""
        import sys, time, chanload
        loader = chanload.Loader("train", {str(root)!r}, pipe_timeout=600)
        print("waiting", flush=True)
        started = time.monotonic()
        try:
            loader.next()
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - started:.2f}}", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "waiting"
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=10)
    assert out.startswith("interrupted after"), out
    assert float(out.split()[-1]) < 3


def test_sparse_batches_and_scipy(tmp_path):
    scipy_sparse = pytest.importorskip("scipy.sparse")
    sagemaker_io = pytest.importorskip("sagemaker.amazon.common")
    import io
    matrix = scipy_sparse.random(300, 40, density=0.1, format="csr", dtype=np.float32, random_state=3)
    labels = np.arange(300, dtype=np.float32)
    buffer = io.BytesIO()
    sagemaker_io.write_spmatrix_to_sparse_tensor(buffer, matrix, labels)
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "application/x-recordio-protobuf", "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    (folder / "data.rec").write_bytes(buffer.getvalue())
    parts, got_labels = [], []
    for batch in chanload.Loader("train", str(root), batch_size=64, threads=2):
        assert batch.kind == "sparse" and batch.features is None
        parts.append(chanload.csr_matrix(batch))
        got_labels.append(batch.labels[:, 0].copy())
    got = scipy_sparse.vstack(parts).toarray()
    np.testing.assert_array_equal(got, matrix.toarray())
    np.testing.assert_array_equal(np.concatenate(got_labels), labels)


def test_type_stubs_cover_the_module():
    import pathlib
    import re
    from chanload import _core
    stubs = (pathlib.Path(chanload.__file__).parent / "_core.pyi").read_text()
    declared = set(re.findall(r"^(?:class|def) (\w+)", stubs, re.M)) | set(re.findall(r"^(\w+):", stubs, re.M))
    public = {name for name in dir(_core) if not name.startswith("_")} | {"__version__"}
    assert public - declared == set()
    for name in ("features", "labels", "indptr", "payloads", "device_features"):
        assert f"    {name}:" in stubs


def test_the_package_version_is_the_librarys(chanload_bin):
    """pyproject.toml and CMakeLists.txt each state the version: the installed distribution, the
    module and the chanload command must agree."""
    import importlib.metadata
    assert importlib.metadata.version("chanload") == chanload.__version__
    printed = subprocess.run([chanload_bin, "--version"], capture_output=True, text=True, timeout=60).stdout
    assert printed.startswith(f"chanload {chanload.__version__} ")


def test_device_batches_through_dlpack_or_a_clear_refusal(tmp_path):
    root, data = csv_job(tmp_path, rows=300)
    try:
        loader = chanload.Loader("train", str(root), batch_size=100, device="cuda:0")
    except chanload.ConfigError as error:  # no GPU here: refused at open, saying why
        assert "cuda:0 is not available" in str(error)
        return
    torch = pytest.importorskip("torch")
    for batch in loader:
        assert batch.device == "cuda:0" and batch.pinned
        on_gpu = torch.from_dlpack(batch.device_features)  # the stream protocol orders it after the copy
        assert on_gpu.is_cuda
        assert on_gpu.cpu().tolist() == batch.features.tolist()


def test_the_module_needs_no_cuda_runtime_library():
    """The CUDA runtime is linked statically: importing chanload works where libcudart is not installed."""
    import shutil
    from chanload import _core
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    needed = subprocess.run(["ldd", _core.__file__], capture_output=True, text=True, check=True).stdout
    assert "libcudart" not in needed, needed


def test_a_bad_option_value_names_the_option(tmp_path):
    """Regression: pybind11's "Unable to cast Python instance to C++ type '?'" named no option, and
    shuffle_window=2**31 ended in a bare std::bad_alloc."""
    root, _ = csv_job(tmp_path, rows=10)
    cases = [
        (dict(batch_size=-1), "loader option batch_size: -1 is not an integer in 0.."),
        (dict(batch_size="8"), "loader option batch_size: '8' is not an integer"),
        (dict(seed=2 ** 64), "loader option seed: 18446744073709551616 is not an integer in 0.."),
        (dict(epochs=1.5), "loader option epochs: 1.5 is not an integer"),
        (dict(header="yes"), "loader option header: 'yes' is not True or False"),
        (dict(pipe_timeout=float("nan")), "loader option pipe_timeout"),
        (dict(shuffle_window=2 ** 31), "loader option shuffle_window: 2147483648 records would take more"),
    ]
    for options, message in cases:
        with pytest.raises(chanload.ConfigError) as error:
            chanload.Loader("train", str(root), **options)
        assert message in str(error.value), (options, str(error.value))


def test_stats_use_the_same_names_as_the_command(tmp_path, chanload_bin):
    root, _ = csv_job(tmp_path, rows=100)
    loader = chanload.Loader("train", str(root), batch_size=10)
    assert sum(1 for _ in loader) == 10
    stats = loader.stats()
    command = json.loads(subprocess.run([chanload_bin, "read", "--channel", "train", "--root", str(root),
                                         "--batch-size", "10", "--stats"], check=True,
                                        capture_output=True, text=True).stdout)
    for key in ("read", "batch", "decode", "deliver", "batches", "rows", "bad_records", "skipped_rows",
                "records_seen", "resumed_past", "peak_memory_bytes", "batch_buffers", "order_correlation",
                "objects_per_batch"):
        assert key in stats and key in command, key
    assert stats["rows"] == command["rows"] == 100
    assert stats["read"]["records"] == command["read"]["records"] == 100


def test_a_channel_exported_sorted_is_mixed_across_objects_and_the_stats_say_how_well(tmp_path):
    """One object per class (the DALI/tf.data complaint): objects are shuffled and interleaved before
    the window, and order_correlation / objects_per_batch report the result; the thread count that
    reads objects changes nothing."""
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    for label in range(16):
        rows = np.column_stack([np.full(300, label), np.arange(300)]).astype(np.float32)
        np.savetxt(folder / f"class-{label}.csv", rows, delimiter=",", fmt="%g")

    def run(**options):
        loader = chanload.Loader("train", str(root), batch_size=256, seed=3, **options)
        batches = [batch.labels[:, 0].copy() for batch in loader]
        return batches, loader.stats(), loader.objects_in_flight

    stored, stats, _ = run()
    assert stats["order_correlation"] > 0.99 and stats["objects_per_batch"] <= 2
    assert max(len(np.unique(b)) for b in stored) <= 2
    mixed, stats, _ = run(shuffle_window=48)
    assert abs(stats["order_correlation"]) <= 0.1 and stats["objects_per_batch"] >= 8
    assert min(len(np.unique(b)) for b in mixed if len(b) == 256) >= 8
    again, _, threads = run(shuffle_window=48, objects_in_flight=1)
    assert threads == 1
    for a, b in zip(mixed, again, strict=True):
        np.testing.assert_array_equal(a, b)


def _next_in_forked_child(loader, queue):
    try:
        next(loader)
        queue.put("no error")
    except chanload.Error as error:
        queue.put(str(error))


def test_a_loader_used_after_fork_raises_instead_of_hanging(tmp_path):
    """Regression: a Loader made in the parent and used in a child forked by multiprocessing hung."""
    import multiprocessing
    root, _ = csv_job(tmp_path, rows=1000)
    loader = chanload.Loader("train", str(root), batch_size=10, threads=2)
    next(loader)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_next_in_forked_child, args=(loader, queue))
    child.start()
    message = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert "after a fork(): its threads do not survive a fork" in message
    assert next(loader).rows == 10


def test_one_vocabulary_with_the_command(tmp_path):
    """Regression: drop_last lost to last_batch in Python and won in the command; mode was "File"
    here and "file" there."""
    root, _ = csv_job(tmp_path, rows=10)
    with pytest.raises(chanload.ConfigError, match='drop_last: true contradicts last_batch "keep"'):
        chanload.Loader("train", str(root), drop_last=True, last_batch="keep")
    assert sum(b.rows for b in chanload.Loader("train", str(root), batch_size=4, drop_last=True)) == 8
    for mode in ("File", "file"):
        assert sum(b.rows for b in chanload.Loader("train", str(root), mode=mode)) == 10
    with pytest.raises(TypeError, match="probe_devices"):
        chanload._core.Loader("train", str(root), probe_devices=True)


def test_numpy_numbers_are_taken_as_options(tmp_path):
    root, _ = csv_job(tmp_path, rows=10)
    loader = chanload.Loader("train", str(root), batch_size=np.int64(4), seed=np.uint64(3),
                             pipe_timeout=np.float32(5))
    assert [b.rows for b in loader] == [4, 4, 2]
    with pytest.raises(chanload.ConfigError, match="loader option batch_size: True is not an integer"):
        chanload.Loader("train", str(root), batch_size=True)
    with pytest.raises(chanload.ConfigError, match="loader option batch_size: 4.0 is not an integer"):
        chanload.Loader("train", str(root), batch_size=4.0)


def test_the_loaders_keywords_are_the_one_option_table(tmp_path):
    table = chanload._core.loader_options()
    names = [option["name"] for option in table]
    assert len(names) == len(set(names))
    parameters = inspect.signature(chanload.Loader).parameters
    assert list(parameters) == ["channel", "root", *names]
    for option in table:
        assert parameters[option["name"]].default == option["default"], option["name"]
        assert option["name"] in chanload.Loader.__doc__
        assert option["command_flag"] == "--" + option["name"].replace("_", "-")
    assert parameters["batch_size"].default == 1024 and parameters["pipe_timeout"].default == 600.0
    assert parameters["mode"].default is None and parameters["empty_is_nan"].default is True
    assert [o for o in table if o["name"] == "last_batch"][0]["choices"] == ["keep", "drop", "pad"]
    root, _ = csv_job(tmp_path, rows=10)
    # Every option's default, passed explicitly, is what leaving it out gives.
    given = {o["name"]: o["default"] for o in table}
    assert [b.rows for b in chanload.Loader("train", str(root), **given)] == [10]
    with pytest.raises(TypeError, match="unexpected keyword argument 'batchsize'"):
        chanload.Loader("train", str(root), batchsize=4)
    with pytest.raises(chanload.ConfigError, match='loader option bad_records: "ignore" is not error, skip or warn'):
        chanload.Loader("train", str(root), bad_records="ignore")
    with pytest.raises(chanload.ConfigError, match=r"loader option pipe_timeout: 0 is not a number of seconds in \(0, 1e9\]"):
        chanload.Loader("train", str(root), pipe_timeout=0)
