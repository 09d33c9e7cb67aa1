"""chanload.torch with PyTorch's DataLoader: every record exactly once with 0 and 2 workers.
Skipped where torch cannot be imported (make test does not install it; Debian's python3-torch, seen
through the venv's system site packages, or the GPU machine's torch runs it)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chanload.torch  # noqa: E402
from job_trees import write_tree  # noqa: E402


@pytest.mark.parametrize("workers", [0, 2])
def test_every_record_exactly_once(tmp_path, workers):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    data = np.column_stack([np.arange(1001), np.arange(1001) * 2.0]).astype(np.float32)
    np.savetxt(folder / "a.csv", data[:400], delimiter=",", fmt="%.7g")
    np.savetxt(folder / "b.csv", data[400:], delimiter=",", fmt="%.7g")
    dataset = chanload.torch.ChannelDataset("train", str(root), batch_size=50, shuffle_window=100, seed=3)
    labels = []
    for features, label in torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers):
        assert features.dtype == torch.float32
        torch.testing.assert_close(features[:, 0], label[:, 0] * 2)
        labels.extend(label[:, 0].tolist())  # the tensors view the loader's buffers: keep values, not views
    assert sorted(labels) == list(range(1001))


def test_the_dtype_option_passes_through(tmp_path):
    root = write_tree(tmp_path / "job", {"inputdataconfig.json": {
        "train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}}})
    folder = root / "input" / "data" / "train"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("1,0.1\n2,16777217\n")
    dataset = chanload.torch.ChannelDataset("train", str(root), batch_size=2, dtype="float64")
    features, labels = next(iter(torch.utils.data.DataLoader(dataset, batch_size=None)))
    assert features.dtype == torch.float64 and labels.dtype == torch.float64
    assert features[:, 0].tolist() == [0.1, 16777217.0]
