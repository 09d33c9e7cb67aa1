"""chanload.torch: a channel as a torch.utils.data.IterableDataset.

    dataset = chanload.torch.ChannelDataset("train", batch_size=256, shuffle_window=10000, seed=1)
    for features, labels in torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2):
        ...

Each item is one batch (features, labels) as CPU tensors (torch.float32, or torch.float64 with the
loader option dtype="float64"; every option passes through to chanload.Loader) that share the loader's buffers (no copy;
with num_workers=0 they stay views of the pool, so clone what you keep past a step): use the
DataLoader with batch_size=None. The records are sharded on top of the job's own sharding
(hosts, and torchrun's RANK/WORLD_SIZE or Open MPI's variables): by torch.distributed's rank when a
process group is up and the environment does not say the rank, and by DataLoader worker, so every
record reaches exactly one worker of one process.
"""
from __future__ import annotations

import os
from typing import Any, Iterator, Optional, Tuple

import torch
import torch.utils.data

import chanload
from chanload import _core


def _process_shard(channel: str, root: Optional[str]) -> Tuple[int, int]:
    """The job's sharding for this process, with torch.distributed's rank when the environment lacks one."""
    distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
    if distributed and "RANK" not in os.environ and "OMPI_COMM_WORLD_RANK" not in os.environ:
        return torch.distributed.get_world_size(), torch.distributed.get_rank()
    return _core.resolve_sharding(channel, root)


class ChannelDataset(torch.utils.data.IterableDataset):
    """A SageMaker channel's batches for torch.utils.data.DataLoader(dataset, batch_size=None)."""

    def __init__(self, channel: str, root: Optional[str] = None, **loader_options: Any) -> None:
        super().__init__()
        if "num_shards" in loader_options or "shard_index" in loader_options:
            raise ValueError("ChannelDataset shards by itself (job, rank, worker); do not pass num_shards/shard_index")
        self.channel = channel
        self.root = root
        self.loader_options = loader_options

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        shards, index = _process_shard(self.channel, self.root)
        worker = torch.utils.data.get_worker_info()
        workers, worker_id = (worker.num_workers, worker.id) if worker is not None else (1, 0)
        options = dict(self.loader_options)
        if workers > 1:
            options.setdefault("threads", 1)  # the workers are the parallelism
        loader = chanload.Loader(self.channel, self.root, num_shards=shards * workers,
                                 shard_index=index * workers + worker_id, **options)
        for batch in loader:
            # DLPack, not torch.from_numpy: no copy, and no dependence on the NumPy ABI torch was built with.
            yield torch.from_dlpack(batch.features), torch.from_dlpack(batch.labels)
