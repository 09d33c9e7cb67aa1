"""chanload.Loader: a channel's records as batches, from Python."""
from __future__ import annotations

import inspect
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

    The keyword options are the loader's one table of options (`chanload._core.loader_options()`,
    the same names, defaults and spellings as C++'s LoaderOptions and `chanload read --name-with-dashes`;
    `help(chanload.Loader)` lists them). None leaves an option to its default: `format` and
    `label_size` come from the channel's ContentType, `num_shards`/`shard_index` from the job's hosts
    and torchrun's or Open MPI's variables, `threads` from the cores (at most 8), `mode` from
    TrainingInputMode. `dtype` also takes numpy.float64 and the like; `resume` takes the dict
    `state()` gave (or its JSON); `pipe_timeout` is in seconds. The wait for a batch releases the GIL
    and a Ctrl-C interrupts it (KeyboardInterrupt), even while a FIFO has no writer yet.
    """

    def __init__(self, channel: str, root: Optional[str] = None, **options: Any) -> None:
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
        """Per-stage counts and times, memory held and its peak.

        Stages: read (the reader stage's threads), batch (the one thread that shards, shuffles and
        packs records), decode (the workers), deliver (the consumer's waits).
        """
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

    @property
    def objects_in_flight(self) -> int:
        """Threads reading, decompressing and framing objects (objects_in_flight, resolved)."""
        return self._loader.objects_in_flight


def csr_matrix(batch: Batch):
    """A sparse batch as scipy.sparse.csr_matrix (shares the batch's arrays; needs SciPy)."""
    import scipy.sparse
    if batch.kind != "sparse":
        raise ValueError(f"a {batch.kind} batch is not sparse")
    return scipy.sparse.csr_matrix((batch.values, batch.indices, batch.indptr), shape=batch.shape, copy=False)


def _signature_from_the_table() -> inspect.Signature:
    """Loader(channel, root=None, *, <every option of the table with its default>)."""
    types = {"flag": bool, "count": int, "seconds": float, "character": str, "choice": str, "text": str,
             "state": Union[dict, str]}
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                  inspect.Parameter("channel", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
                  inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                    annotation=Optional[str])]
    for option in _core.loader_options():
        annotation = types[option["kind"]]
        parameters.append(inspect.Parameter(option["name"], inspect.Parameter.KEYWORD_ONLY, default=option["default"],
                                            annotation=annotation if option["default"] is not None else Optional[annotation]))
    return inspect.Signature(parameters, return_annotation=None)


def _options_doc() -> str:
    lines = ["", "    Options (name, default, meaning):", ""]
    for option in _core.loader_options():
        choices = f" ({', '.join(option['choices'])})" if option["choices"] else ""
        lines.append(f"    {option['name']} = {option['default']!r}: {option['help']}{choices}")
    return "\n".join(lines) + "\n"


Loader.__init__.__signature__ = _signature_from_the_table()  # type: ignore[attr-defined]
Loader.__doc__ = (Loader.__doc__ or "") + _options_doc()
