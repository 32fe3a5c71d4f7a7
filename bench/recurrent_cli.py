"""Runs the Recurrent CLI for the comparison scripts in this folder.

Both scripts train with our library through its command line (the same path a user takes) and read the
metrics it writes with --json, so what is compared is what the CLI ships.
"""
import json
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / "src/Recurrent.Cli/bin/Release/net10.0/Recurrent.Cli.dll"


def ensure_built():
    # Build once if missing; an existing build is used as is (rebuild by hand after changing the library).
    if not CLI.exists():
        subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", str(REPO / "src/Recurrent.Cli")], check=True)


def train(verb, args, model=None):
    """Runs `train VERB ARGS --quiet`; returns (metrics from --json, wall seconds of the whole process).
    The model file is written to MODEL when given, else to a temporary folder and discarded."""
    ensure_built()
    with tempfile.TemporaryDirectory() as tmp:
        report, model = Path(tmp) / "report.json", model or Path(tmp) / "model.rnn"
        command = ["dotnet", str(CLI), "train", verb, *map(str, args),
                   "--quiet", "--json", str(report), "--model", str(model)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        return json.loads(report.read_text()), seconds


def read_model_file(path):
    """Tensors (float32 numpy arrays, in file order) and metadata of our model file (safetensors, docs/model-file.md)."""
    import numpy as np
    raw = Path(path).read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    metadata = header.pop("__metadata__")
    tensors = {name: np.frombuffer(raw, np.float32, int(np.prod(t["shape"])), 8 + size + t["data_offsets"][0]).reshape(t["shape"]).copy()
               for name, t in header.items()}
    return tensors, metadata


def translate(model, sentences, beam=1):
    """Runs `translate --data` on SENTENCES (one a line); returns its --json list of {source, translation, words, score}."""
    ensure_built()
    with tempfile.TemporaryDirectory() as tmp:
        data, report = Path(tmp) / "sentences.txt", Path(tmp) / "translations.json"
        data.write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
        subprocess.run(["dotnet", str(CLI), "translate", "--model", str(model), "--data", str(data), "--beam", str(beam),
                        "--json", str(report)], check=True, stdout=subprocess.DEVNULL)
        return json.loads(report.read_text(encoding="utf-8"))
