#!/usr/bin/python3
"""Runs the official ONNX checker (python3-onnx) with full shape inference on every .onnx file in a folder."""
import pathlib
import sys

import onnx

models = sorted(pathlib.Path(sys.argv[1]).glob("*.onnx"))
for path in models:
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    print(f"{path.name}: ok")
print(f"{len(models)} models pass onnx.checker {onnx.__version__}")
