"""chanload.Loader: a channel's records as batches, from Python."""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional, Union

from chanload import _core

Batch = _core.Batch


class Loader:
    """A channel's records as batches: sharded, shuffled, decoded on `threads` workers, prefetched.

    >>> loader = chanload.Loader("train", batch_size=256, shuffle_window=10000, seed=1, epochs=3)
    >>> for batch in loader:
    ...     step(batch.features, batch.labels)      # float32 (or dtype=) NumPy views, no copy
    ...     checkpoint["data"] = loader.state()     # a small dict; pass back as resume=

    Options are the C++ LoaderOptions with the same names. `format` and `label_size` default to the
    channel's ContentType; `num_shards`/`shard_index` to the job's hosts and torchrun's or Open MPI's
    variables (`shard_by_byte_range=True`: each shard reads only its share of the bytes of uncompressed
    File-mode CSV or lines, with uneven counts); `threads` to the cores (at most 8). `last_batch` is "keep", "drop" or "pad"
    (`drop_last=True` is "drop"); `bad_records` is "error", "skip" or "warn"; `mode` "File" or "Pipe"
    overrides TrainingInputMode; `pipe_timeout` is in seconds. CSV takes `delimiter`, `quote`, `header`
    and `empty_is_nan`; RecordIO split records are joined by `recordio_join` "aws" (the default, parts
    concatenated as SageMaker's readers do) or "dmlc" (the magic between parts). `dtype` ("float32" or "float64", or
    numpy.float64 and the like) is the type of CSV and RecordIO-protobuf features, labels and sparse
    values (batch.dtype says which); float64 keeps Float64 tensors and long decimals whole. A symbolic
    link in a File-mode channel that points outside its folder is an error unless
    `follow_links_outside_channel=True`. The wait for a batch releases the GIL
    and a Ctrl-C interrupts it (KeyboardInterrupt), even while a FIFO has no writer yet.
    """

    def __init__(self, channel: str, root: Optional[str] = None, *, format: Optional[str] = None,
                 batch_size: int = 1024, label_size: Optional[int] = None, shuffle_window: int = 0,
                 seed: Optional[int] = None, epochs: int = 1, num_shards: Optional[int] = None,
                 shard_index: Optional[int] = None, shard_by_byte_range: bool = False, threads: Optional[int] = None, device: str = "cpu",
                 drop_last: bool = False, last_batch: Optional[str] = None,
                 resume: Union[None, dict, str] = None, prefetch_batches: int = 4,
                 memory_budget_bytes: int = 1 << 30, max_record_bytes: int = 64 << 20,
                 bad_records: str = "error", header: bool = False, delimiter: str = ",",
                 quote: str = '"', recordio_join: str = "aws", empty_is_nan: bool = True, densify: bool = False, reshuffle_each_epoch: bool = True,
                 mode: Optional[str] = None, pipe_timeout: float = 600.0, dtype: Any = "float32",
                 follow_links_outside_channel: bool = False) -> None:
        options: dict[str, Any] = dict(
            format=format or "", batch_size=batch_size, label_size=label_size, shuffle_window=shuffle_window,
            seed=seed, epochs=epochs, num_shards=num_shards, shard_index=shard_index,
            shard_by_byte_range=shard_by_byte_range, threads=threads or 0,
            device=device, drop_last=drop_last, prefetch_batches=prefetch_batches,
            memory_budget_bytes=memory_budget_bytes, max_record_bytes=max_record_bytes, bad_records=bad_records,
            header=header, delimiter=delimiter, quote=quote, recordio_join=recordio_join, empty_is_nan=empty_is_nan, densify=densify,
            reshuffle_each_epoch=reshuffle_each_epoch, mode=mode, pipe_timeout=pipe_timeout, dtype=dtype,
            follow_links_outside_channel=follow_links_outside_channel)
        if last_batch is not None:
            options["last_batch"] = last_batch
        if resume is not None:
            options["resume"] = resume if isinstance(resume, str) else json.dumps(resume)
        self._loader = _core.Loader(channel, root, **options)

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        return next(self._loader)

    def next(self) -> Optional[Batch]:
        """The next batch, or None at the end of the last epoch."""
        return self._loader.next()

    def state(self) -> dict:
        """Where the next batch comes from: {epoch, position, seed, ...}; json.dumps-able; pass as resume=."""
        return json.loads(self._loader.state_json())

    def stats(self) -> dict:
        """Per-stage counts and times (read, decode, deliver), memory held and its peak."""
        return json.loads(self._loader.stats_json())

    def stop(self) -> None:
        """Stops every stage; a waiting or later next() raises chanload.StoppedError."""
        self._loader.stop()

    @property
    def format(self) -> str:
        return self._loader.format

    @property
    def num_shards(self) -> int:
        return self._loader.num_shards

    @property
    def shard_index(self) -> int:
        return self._loader.shard_index

    @property
    def sharding_reason(self) -> str:
        return self._loader.sharding_reason

    @property
    def threads(self) -> int:
        return self._loader.threads


def csr_matrix(batch: Batch):
    """A sparse batch as scipy.sparse.csr_matrix (shares the batch's arrays; needs SciPy)."""
    import scipy.sparse
    if batch.kind != "sparse":
        raise ValueError(f"a {batch.kind} batch is not sparse")
    return scipy.sparse.csr_matrix((batch.values, batch.indices, batch.indptr), shape=batch.shape, copy=False)
