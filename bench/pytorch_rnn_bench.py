#!/usr/bin/python3
"""The PyTorch peer of `recurrent bench`: the same cases, timed the same way.

One recurrent layer (nn.RNN tanh / nn.LSTM / nn.GRU, which is GRU reset-after), input I, hidden H, batch_first,
with bias, x ~ N(0, 1) of shape [B, T, I], zero initial state.

* infer: the layer's forward over the whole sequence under torch.inference_mode() (all outputs returned).
* train: forward; loss = MSE(Linear(H, 1)(h_T), y) with y ~ N(0, 1) of shape [B, 1]; backward; one Adam(lr 1e-3) step.

Each call is timed on its own (time.perf_counter_ns) after a warm-up of at least --warmup seconds and 3 calls,
for at least --seconds and 10 calls; the median, min and max are reported. seq/s = B / median; GFLOP/s counts
the matrix products only, 2·B·T·(I+H)·G·H per forward (G = 1 / 4 / 3), three times that for a training step.

Usage:
    /usr/bin/python3 bench/pytorch_rnn_bench.py --case lstm,infer,1,50,32,64 --case gru,train,16,50,32,128 \
        [--threads 2] [--seconds 1.5] [--warmup 1.0] [--json out.json]
    /usr/bin/python3 bench/pytorch_rnn_bench.py --info      # only the runtime facts (versions, BLAS loaded)

The runtime facts (PyTorch version, the BLAS libraries mapped into the process after a matrix product, OpenBLAS'
core type and configuration, thread counts and the relevant environment variables) are printed and written to
the JSON with the results. The environment is taken as given: bench/run_benchmarks.py runs this script once as
installed and once in PyTorch's best configuration.
"""

import argparse
import ctypes
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
ENV_KEYS = ["OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "OPENBLAS_VERBOSE", "GOMP_SPINCOUNT", "MKL_NUM_THREADS"]


def loaded_libraries(words=("blas", "lapack", "mkl", "dnnl", "omp")):
    """Shared libraries mapped into this process whose file name contains one of `words`, with their real paths."""
    found = {}
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) < 6 or not parts[5].startswith("/"):
                continue
            path = parts[5]
            if any(w in os.path.basename(path).lower() for w in words):
                found[path] = os.path.realpath(path)
    return found


def openblas_facts(libraries):
    """OpenBLAS' own report (core type it dispatched to, build configuration, threads) when it is loaded."""
    for path, real in libraries.items():
        if "openblas" not in real.lower():
            continue
        try:
            lib = ctypes.CDLL(real)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {
                "library": real,
                "corename": lib.openblas_get_corename().decode(),
                "config": lib.openblas_get_config().decode(),
                "num_threads": lib.openblas_get_num_threads(),
            }
        except (OSError, AttributeError) as error:
            return {"library": real, "error": str(error)}
    return None


def runtime_facts():
    # A matrix product first, so the BLAS that PyTorch dispatches to is loaded and initialised.
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    libraries = loaded_libraries()
    blas = [real for real in sorted(set(libraries.values())) if any(w in os.path.basename(real).lower() for w in ("blas", "mkl"))]
    config = torch.__config__.show()
    blas_info = next(iter(re.findall(r"BLAS_INFO=([^,\s]+)", config)), None)
    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "mkl_available": torch.backends.mkl.is_available(),
        "cpu_capability": next((line.split(":", 1)[1].strip() for line in config.splitlines() if "CPU capability usage" in line), None),
        "build_blas_info": blas_info,
        "blas_loaded": blas,
        "libraries_loaded": sorted(set(libraries.values())),
        "openblas": openblas_facts(libraries),
        "environment": {key: os.environ.get(key) for key in ENV_KEYS},
    }


def make_call(cell, mode, batch, steps, inputs, hidden, seed):
    torch.manual_seed(seed)
    layer_type = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    kwargs = {"nonlinearity": "tanh"} if cell == "rnn" else {}
    layer = layer_type(inputs, hidden, num_layers=1, bias=True, batch_first=True, **kwargs)
    x = torch.randn(batch, steps, inputs)
    if mode == "infer":
        layer.eval()

        def infer():
            with torch.inference_mode():
                return layer(x)
        return infer
    head = torch.nn.Linear(hidden, 1)
    y = torch.randn(batch, 1)
    optimizer = torch.optim.Adam(list(layer.parameters()) + list(head.parameters()), lr=1e-3)

    def train():
        optimizer.zero_grad()
        output, _ = layer(x)
        loss = F.mse_loss(head(output[:, -1]), y)
        loss.backward()
        optimizer.step()
        return loss
    return train


def time_calls(call, seconds, warmup, min_calls=10, min_warmup_calls=3):
    start = time.perf_counter()
    warmup_calls = 0
    while warmup_calls < min_warmup_calls or time.perf_counter() - start < warmup:
        call()
        warmup_calls += 1
    times = []
    limit = int(seconds * 1e9)
    begin = end = time.perf_counter_ns()
    while len(times) < min_calls or end - begin < limit:
        t0 = time.perf_counter_ns()
        call()
        end = time.perf_counter_ns()
        times.append(end - t0)
    return {
        "calls": len(times),
        "seconds": (end - begin) / 1e9,
        "warmup_calls": warmup_calls,
        "median": statistics.median(times) / 1e9,
        "min": min(times) / 1e9,
        "max": max(times) / 1e9,
    }


def parse_case(text):
    parts = text.split(",")
    if len(parts) != 6 or parts[0] not in GATES or parts[1] not in ("infer", "train"):
        raise argparse.ArgumentTypeError(f"a case is cell,mode,B,T,I,H with cell rnn|lstm|gru and mode infer|train, got '{text}'")
    return (parts[0], parts[1], *map(int, parts[2:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", type=parse_case, default=[], help="cell,mode,B,T,I,H (repeatable)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--seconds", type=float, default=1.5, help="time at least this long per case (and 10 calls)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed warm-up per case, in seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="a name for this configuration, copied into the JSON")
    parser.add_argument("--info", action="store_true", help="print the runtime facts and exit")
    parser.add_argument("--json", help="write the facts and results here")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    facts = runtime_facts()
    facts["torch_threads"] = torch.get_num_threads()
    blas = facts["openblas"]
    print(f"pytorch {facts['torch']} ({args.label or 'environment as given'}): {facts['torch_threads']} threads, "
          f"BLAS loaded: {', '.join(facts['blas_loaded']) or 'none found'}"
          + (f"; OpenBLAS core {blas['corename']} ({blas['config']}, {blas['num_threads']} threads)" if blas and "corename" in blas else ""),
          flush=True)
    results = []
    for cell, mode, batch, steps, inputs, hidden in ([] if args.info else args.case):
        t = time_calls(make_call(cell, mode, batch, steps, inputs, hidden, args.seed), args.seconds, args.warmup)
        flops = 2.0 * batch * steps * (inputs + hidden) * GATES[cell] * hidden * (3 if mode == "train" else 1)
        result = {
            "cell": cell, "mode": mode, "batch": batch, "seq": steps, "input": inputs, "hidden": hidden,
            "seq_per_s": batch / t["median"], "gflops": flops / t["median"] / 1e9,
            "ms_median": t["median"] * 1e3, "ms_min": t["min"] * 1e3, "ms_max": t["max"] * 1e3,
            "threads": torch.get_num_threads(), "calls": t["calls"], "seconds": t["seconds"], "warmup_calls": t["warmup_calls"],
        }
        results.append(result)
        print(f"  {cell} {mode} B={batch} T={steps} I={inputs} H={hidden}: {result['seq_per_s']:.1f} seq/s, "
              f"{result['gflops']:.2f} GFLOP/s, {result['ms_median']:.4f} ms per call (min {result['ms_min']:.4f}, "
              f"max {result['ms_max']:.4f}; {t['calls']} calls)", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"label": args.label, "facts": facts, "results": results}, out, indent=2)
            out.write("\n")


if __name__ == "__main__":
    main()
