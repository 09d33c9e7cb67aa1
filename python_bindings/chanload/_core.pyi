"""Type stubs for chanload._core (the C++ module); the chanload package re-exports these."""
from typing import Any, Iterator, Optional

import numpy as np

__version__: str

class Error(Exception): ...
class ConfigError(Error): ...
class StoppedError(Error): ...
class IoError(Error): ...
class TimeoutError(IoError): ...
class DataError(IoError): ...

class InputMode:
    File: InputMode
    Pipe: InputMode
    FastFile: InputMode

class S3Distribution:
    FullyReplicated: S3Distribution
    ShardedByS3Key: S3Distribution

class RecordWrapper:
    None_: RecordWrapper
    RecordIO: RecordWrapper

class Compression:
    None_: Compression
    Gzip: Compression

class ContentType:
    raw: str
    media_type: str
    parameters: dict[str, str]
    def parameter(self, name: str) -> Optional[str]: ...

class ChannelConfig:
    name: str
    path: str
    mode: InputMode
    distribution: S3Distribution
    record_wrapper: RecordWrapper
    compression: Compression
    content_type: Optional[ContentType]

class Environment:
    def __init__(self, root: Optional[str] = None, probe_devices: bool = True) -> None: ...
    def to_env_vars(self) -> dict[str, str]: ...
    def to_cmd_args(self) -> list[str]: ...
    def properties(self) -> dict[str, Any]: ...
    channels: list[ChannelConfig]
    def channel(self, name: str) -> ChannelConfig: ...
    current_host_rank: int
    root: str
    def __getattr__(self, name: str) -> Any: ...  # the toolkit's 37 properties, by their names

class DeviceArray:
    shape: tuple[int, int]
    def __dlpack__(self, *, stream: Optional[int] = None) -> Any: ...
    def __dlpack_device__(self) -> tuple[int, int]: ...

class Batch:
    kind: str  # "dense", "sparse" or "raw"
    rows: int
    padding_rows: int
    skipped_records: int
    columns: int
    label_size: int
    epoch: int
    index: int
    last_in_epoch: bool
    dtype: str  # "float32" or "float64": of features, labels and values
    pinned: bool
    device: str
    features: Optional[np.ndarray]
    labels: Optional[np.ndarray]
    indptr: Optional[np.ndarray]
    indices: Optional[np.ndarray]
    values: Optional[np.ndarray]
    shape: tuple[int, int]
    payloads: Optional[np.ndarray]
    offsets: Optional[np.ndarray]
    device_features: Optional[DeviceArray]
    device_labels: Optional[DeviceArray]
    def payload(self, row: int) -> bytes: ...

class Loader:
    def __init__(self, channel: str, root: Optional[str] = None, **options: Any) -> None: ...
    def next(self) -> Optional[Batch]: ...
    def __iter__(self) -> Iterator[Batch]: ...
    def __next__(self) -> Batch: ...
    def state_json(self) -> str: ...
    def stop(self) -> None: ...
    def stats_json(self) -> str: ...
    format: str
    num_shards: int
    shard_index: int
    sharding_reason: str
    threads: int

def loader_options() -> list[dict[str, Any]]: ...
def resolve_sharding(channel: str, root: Optional[str] = None) -> tuple[int, int]: ...
