"""Writes the seed corpora under tests/fuzz/corpus/ (committed; run again to regenerate).
Needs the test venv (numpy, scipy, the SageMaker SDK): .venv/bin/python tests/fuzz/make_seeds.py"""
import gzip
import io
import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import scipy.sparse
from sagemaker.amazon import common

HERE = Path(__file__).resolve().parent / "corpus"


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(crc32c(length))) + data + struct.pack("<I", masked(crc32c(data)))


def recordio(payload, cflag=0):
    pad = (4 - len(payload) % 4) % 4
    return struct.pack("<II", 0xCED7230A, (cflag << 29) | len(payload)) + payload + b"\0" * pad


def write(target, name, data):
    folder = HERE / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def masked_crc32c(data):
    """TFRecord's masked CRC32C (Castagnoli), bit by bit: seeds are small."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def main():
    csv = b'1,0.5,"2.5"\n0, -1e3 ,nan\n"a\nb",3\n\n'
    write("fuzz_framers", "lines", bytes([7, 0]) + b"alpha\nbeta\r\n\nlast")
    write("fuzz_framers", "csv", bytes([5, 1]) + csv)
    write("fuzz_framers", "recordio", bytes([3, 2]) + recordio(b"abc") + recordio(b"he", 1) + recordio(b"llo", 3))
    write("fuzz_framers", "tfrecord", bytes([9, 3]) + tfrecord(b"first") + tfrecord(b""))
    write("fuzz_csv_decoder", "plain", bytes([1]) + csv)
    write("fuzz_csv_decoder", "header", bytes([8 | 4]) + b"a;b\n1;2\n3;4")
    write("fuzz_csv_decoder", "float64", bytes([64 | 1]) + b"0.1,1e-310,3.4e39\n9007199254740993,-0,nan\n")
    numbers = ["0.1", "1e-310", "3.4e39", "9007199254740993", "1e22", "1e23", "-0", "nan", "INF", "4.9e-324",
               "123456789012345678901234", "2.2250738585072011e-308", "0.30000001192092896", "7.038531e-26"]
    for index, number in enumerate(numbers):
        write("fuzz_float_parse", f"number-{index}", number.encode())
    dense, sparse = io.BytesIO(), io.BytesIO()
    common.write_numpy_to_dense_tensor(dense, np.arange(12, dtype=np.float32).reshape(3, 4), np.ones(3, np.float32))
    common.write_spmatrix_to_sparse_tensor(sparse, scipy.sparse.random(2, 8, density=0.5, format="csr", dtype=np.float32,
                                                                       random_state=1), np.zeros(2, np.float32))
    for name, stream in (("dense", dense), ("sparse", sparse)):
        raw = stream.getvalue()
        length = struct.unpack("<I", raw[4:8])[0] & 0x1FFFFFFF
        write("fuzz_recordio_protobuf", name, raw[8:8 + length])  # one Record payload
    write("fuzz_python_json", "object", json.dumps({"a": [1, 2.5, "x\u00e9", None, True], "b": {"c": 1e-5}}).encode())
    write("fuzz_python_json", "python", b'[NaN, -Infinity, 123456789012345678901234567890, "\\ud800"]')
    text = b"0.25,1.5,-3\n" * 50
    write("fuzz_decompress", "gzip", bytes([13]) + gzip.compress(text) + gzip.compress(b"tail\n"))
    zstd = subprocess.run(["zstd", "-q", "-c"], input=text, capture_output=True, check=True).stdout
    write("fuzz_decompress", "zstd", bytes([5]) + zstd)
    write("fuzz_decompress", "plain", bytes([0]) + text)
    # pzstd's shape: a skippable frame (magic 0x184D2A50, 4-byte size, its bytes) before the frame.
    write("fuzz_decompress", "zstd-skippable", bytes([6]) + struct.pack("<II", 0x184D2A50, 4) + b"\0\0\0\0" + zstd)
    # The high bit asks for the TFRecord signature: a plain TFRecord whose first length begins 1f 8b.
    length = struct.pack("<Q", 35615)
    write("fuzz_decompress", "tfrecord-like-gzip",
          bytes([0x80 | 7]) + length + struct.pack("<I", masked_crc32c(length)) + b"r" * 64)


if __name__ == "__main__":
    main()
