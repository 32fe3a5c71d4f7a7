#!/usr/bin/python3
"""Reads a Recurrent model file with nothing but the safetensors layout: an 8-byte little-endian header length,
a JSON header, then raw little-endian arrays. Prints one line per tensor: name, shape, sum of its values."""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64}

with open(sys.argv[1], "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    data = f.read()

metadata = header.pop("__metadata__", {})
print("format", metadata.get("format"), metadata.get("format_version"))
for name, info in header.items():
    begin, end = info["data_offsets"]
    values = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    print(name, "x".join(str(d) for d in info["shape"]), repr(float(values.astype(np.float64).sum())))
