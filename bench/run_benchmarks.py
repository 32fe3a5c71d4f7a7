#!/usr/bin/python3
"""Runs the whole performance benchmark of Recurrent against PyTorch and writes the report.

    /usr/bin/python3 bench/run_benchmarks.py              # the whole grid, ~30 minutes on 2 cores (2 rounds)
    /usr/bin/python3 bench/run_benchmarks.py --quick      # a smoke run: two cases, 0.2 s each (report not written)

Steps: build the CLI in Release; measure the float32 FMA peak with `recurrent bench --peak`; then for every case
(cell × mode × size) run, back to back, `recurrent bench ... --json` (one process per case), the PyTorch peer
bench/pytorch_rnn_bench.py as installed (the environment as given), and the peer in its best configuration
(OMP_WAIT_POLICY=passive, OPENBLAS_NUM_THREADS=2, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset — for that
subprocess only). Before each run it waits (a bounded time) for the machine to be idle, and it records how much
CPU other processes used during the run; runs disturbed by more than --disturbed cores are repeated once at the
end and the less disturbed measurement is kept. Each case runs --rounds times per library (default 2, interleaved) and
each library keeps its fastest round, since this shared machine's speed drifts between processes. Writes the raw data to bench/results/<date>.json and the report
to docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI_PROJECT = ROOT / "src" / "Recurrent.Cli" / "Recurrent.Cli.csproj"
CLI_DLL = ROOT / "src" / "Recurrent.Cli" / "bin" / "Release" / "net10.0" / "Recurrent.Cli.dll"
PEER = ROOT / "bench" / "pytorch_rnn_bench.py"
PYTHON = "/usr/bin/python3"

# name → (B, T, I, H); the latency case is also run with T = 1 and T = 200.
CASES = [
    ("latency", (1, 50, 32, 64)),
    ("latency T=1", (1, 1, 32, 64)),
    ("latency T=200", (1, 200, 32, 64)),
    ("small", (16, 50, 32, 128)),
    ("medium", (32, 100, 128, 256)),
    ("large", (64, 100, 512, 512)),
    ("xlarge", (64, 50, 1024, 1024)),
]
CELLS = ["rnn", "lstm", "gru"]
MODES = ["infer", "train"]
CELL_TITLES = {"rnn": "SimpleRNN (tanh)", "lstm": "LSTM", "gru": "GRU (reset_after)"}
MODE_TITLES = {"infer": "Inference (forward over the sequence, all outputs)", "train": "Training step (forward, MSE on Dense(H→1)(h_T), backward, Adam)"}
IMPLS = ["ours", "pytorch_default", "pytorch_best"]

# Targets of the project's performance issue.
RATIO_ALL, RATIO_SMALL, PEAK_SHARE, LSTM_STEP_US = 1.5, 2.0, 0.60, 0.5
SMALL_CASES = {"latency", "latency T=1", "latency T=200", "small"}
PEAK_CASES = {"large", "xlarge"}


def best_environment(threads):
    """PyTorch's best configuration: the inherited environment with these changes, for the peer's subprocess only."""
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "passive"
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def cpu_times():
    """(busy, total) seconds of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / hz, sum(fields[:8]) / hz


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_cores(interval=0.5):
    b0, _ = cpu_times()
    time.sleep(interval)
    b1, _ = cpu_times()
    return (b1 - b0) / interval


WAITED = [0.0]  # seconds spent waiting for the machine so far (bounded by --wait-budget)


def wait_for_idle(args):
    """Waits until other processes use fewer than --idle-threshold cores (at most --max-wait seconds, and --wait-budget
    seconds over the whole run); returns the last reading."""
    start = time.monotonic()
    deadline = start + max(0.0, min(args.max_wait, args.wait_budget - WAITED[0]))
    load = busy_cores()
    while load > args.idle_threshold and time.monotonic() < deadline:
        load = busy_cores(1.0)
    WAITED[0] += time.monotonic() - start
    return load


def run_measured(command, env=None):
    """Runs a subprocess; returns (stdout, wall seconds, cores used by *other* processes on average during it)."""
    busy0, _ = cpu_times()
    child0 = children_cpu()
    start = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    busy1, _ = cpu_times()
    others = max(0.0, (busy1 - busy0) - (children_cpu() - child0)) / wall
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed with exit code {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout, wall, others


def case_args(cell, mode, shape):
    b, t, i, h = shape
    return ["--cell", cell, "--mode", mode, "--batch", str(b), "--seq", str(t), "--input", str(i), "--hidden", str(h)]


def run_one(impl, cell, mode, shape, args, workdir):
    out = Path(workdir) / f"{impl}.json"
    out.unlink(missing_ok=True)
    common = ["--seconds", str(args.seconds), "--warmup", str(args.warmup), "--threads", str(args.threads), "--json", str(out)]
    if impl == "ours":
        command, env = ["dotnet", str(CLI_DLL), "bench", *case_args(cell, mode, shape), *common], None
    else:
        b, t, i, h = shape
        command = [PYTHON, str(PEER), "--case", f"{cell},{mode},{b},{t},{i},{h}", "--label", impl, *common]
        env = best_environment(args.threads) if impl == "pytorch_best" else None
    idle = wait_for_idle(args)
    stdout, wall, others = run_measured(command, env)
    data = json.loads(out.read_text())
    result = data if impl == "ours" else data["results"][0]
    result.update({"busy_before": round(idle, 3), "others_cores": round(others, 3), "process_seconds": round(wall, 2)})
    return result, (None if impl == "ours" else data["facts"]), stdout.strip()


def machine_facts():
    info, flags = {}, []
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key in ("model name", "cpu family", "model", "stepping", "cpu MHz", "cache size") and key not in info:
                info[key] = value
            if key == "flags" and not flags:
                flags = value.split()
    isa_of_interest = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
                       "avx512_vnni", "avx512_bf16", "avx512ifma", "avx512vbmi", "avx_vnni", "amx_tile"]
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    lscpu_facts = {}
    for line in lscpu.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("Thread(s) per core", "Core(s) per socket", "Socket(s)", "Hypervisor vendor", "Virtualization type",
                           "L1d cache", "L2 cache", "L3 cache"):
            lscpu_facts[key.strip()] = value.strip()
    with open("/proc/meminfo") as meminfo:
        mem_kb = int(meminfo.readline().split()[1])
    return {
        "cpu_model": info.get("model name"),
        "cpu_family_model": f"family {info.get('cpu family')} model {info.get('model')} stepping {info.get('stepping')}",
        "logical_cpus": os.cpu_count(),
        "lscpu": lscpu_facts,
        "isa": [f for f in isa_of_interest if f in flags],
        "isa_missing": [f for f in isa_of_interest if f not in flags],
        "memory_gb": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "os": platform.platform(),
    }


def dotnet_versions():
    sdk = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    return {"sdk": sdk}


def build():
    print("building the CLI in Release ...", flush=True)
    done = subprocess.run(["dotnet", "build", str(CLI_PROJECT), "-c", "Release", "--nologo", "-v", "q"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout}\n{done.stderr}")


def measure_peak(args, workdir):
    out = Path(workdir) / "peak.json"
    idle = wait_for_idle(args)
    stdout, wall, others = run_measured(["dotnet", str(CLI_DLL), "bench", "--peak", "--threads", str(args.threads), "--json", str(out)])
    print("  " + stdout.strip(), flush=True)
    data = json.loads(out.read_text())
    data.update({"busy_before": round(idle, 3), "others_cores": round(others, 3)})
    return data


def retry_disturbed(runs, args, workdir):
    """Runs again every run during which other processes used more than --disturbed cores; keeps the quieter one."""
    retried = 0
    for index, r in enumerate(runs):
        if r["others_cores"] <= args.disturbed:
            continue
        again, _, _ = run_one(r["impl"], r["cell"], r["mode"], dict(CASES)[r["case"]], args, workdir)
        again.update({"impl": r["impl"], "case": r["case"], "retried": True})
        retried += 1
        print(f"  retry {r['impl']} {r['mode']} {r['cell']} {r['case']}: others {r['others_cores']:.2f} → {again['others_cores']:.2f} cores, "
              f"{r['seq_per_s']:.1f} → {again['seq_per_s']:.1f} seq/s", flush=True)
        if again["others_cores"] < r["others_cores"]:
            runs[index] = again
    return retried


def summarize_peaks(peaks, threads):
    return {"measurements": peaks,
            "gflops_1_thread": max(p["gflops_1_thread"] for p in peaks),
            "gflops_threads": max(p["gflops_threads"] for p in peaks),
            "threads": threads,
            "vector_bits": peaks[0]["vector_bits"],
            "runtime": peaks[0].get("runtime")}


def repair(args):
    """--repair FILE: measures again the runs of FILE that other processes disturbed, then rewrites FILE and the report."""
    raw = args.repair
    document = json.loads(raw.read_text())
    meta, runs = document["meta"], document["runs"]
    started = time.monotonic()
    if not args.no_build:
        build()
    for key in ("threads", "seconds", "warmup"):
        setattr(args, key, meta["settings"][{"warmup": "warmup_seconds"}.get(key, key)])
    before = sum(r["others_cores"] > args.disturbed for r in runs)
    with tempfile.TemporaryDirectory(prefix="recurrent-bench-") as workdir:
        retried = retry_disturbed(runs, args, workdir)
        meta["peak"] = summarize_peaks(meta["peak"]["measurements"] + [measure_peak(args, workdir)], args.threads)
    after = sum(r["others_cores"] > args.disturbed for r in runs)
    meta.setdefault("repairs", []).append({"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                                           "rerun": retried, "disturbed_before": before, "disturbed_after": after,
                                           "seconds": round(time.monotonic() - started, 1), "waited_seconds": round(WAITED[0], 1)})
    write_outputs(document, raw, args.report)
    print(f"repaired {raw}: {before} disturbed runs, {retried} rerun, {after} still disturbed; wrote {args.report}")


def write_outputs(document, raw, report_path):
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(document, indent=1) + "\n")
    cases = [c for c in CASES if any(r["case"] == c[0] for r in document["runs"])]
    cells = [c for c in CELLS if any(r["cell"] == c for r in document["runs"])]
    modes = [m for m in MODES if any(r["mode"] == m for r in document["runs"])]
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report(document, raw, cases, cells, modes))


def key_of(r):
    return (r["impl"], r["cell"], r["mode"], r["case"])


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main():
    parser = argparse.ArgumentParser(description="Recurrent vs PyTorch: the whole benchmark grid and its report.")
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries (default 2)")
    parser.add_argument("--seconds", type=float, default=1.5, help="timed seconds per case (at least 1.5 for the report)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed warm-up seconds per case")
    parser.add_argument("--idle-threshold", type=float, default=0.25, help="wait before each run until other processes use fewer cores than this")
    parser.add_argument("--max-wait", type=float, default=60.0, help="but wait at most this many seconds per run")
    parser.add_argument("--wait-budget", type=float, default=600.0, help="and at most this many seconds over the whole run")
    parser.add_argument("--rounds", type=positive_int, default=2, help="measure each case this many times per library, interleaved, and keep the fastest")
    parser.add_argument("--disturbed", type=float, default=0.3, help="repeat runs during which other processes used more cores than this")
    parser.add_argument("--quick", action="store_true", help="smoke test: two cases, short timings, results in a temporary folder")
    parser.add_argument("--no-build", action="store_true", help="use the CLI as already built")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results", help="folder for the raw JSON")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md", help="the Markdown report")
    parser.add_argument("--repair", type=Path, metavar="RESULTS_JSON",
                        help="instead of a whole run: measure again the runs of this results file that were disturbed, rewrite it and the report")
    parser.add_argument("--report-only", type=Path, metavar="RESULTS_JSON", help="only rewrite the report from this results file")
    args = parser.parse_args()
    if args.report_only:
        write_outputs(json.loads(args.report_only.read_text()), args.report_only, args.report)
        print(f"wrote {args.report}")
        return
    if args.repair:
        repair(args)
        return
    cases, cells, modes = CASES, CELLS, MODES
    if args.quick:
        cases, cells, args.seconds, args.warmup = [CASES[0], CASES[3]], ["lstm"], 0.2, 0.1
        args.results = Path(tempfile.mkdtemp(prefix="recurrent-bench-"))
        args.report = args.results / "benchmarks.md"

    started = time.monotonic()
    date = datetime.datetime.now().astimezone()
    if not args.no_build:
        build()
    meta = {
        "date": date.isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "dotnet": dotnet_versions(),
        "settings": {"threads": args.threads, "seconds": args.seconds, "warmup_seconds": args.warmup, "min_calls": 10, "min_warmup_calls": 3,
                     "rounds": args.rounds, "idle_threshold": args.idle_threshold, "max_wait": args.max_wait, "wait_budget": args.wait_budget, "disturbed": args.disturbed,
                     "pytorch_best_environment": {"OMP_WAIT_POLICY": "passive", "OPENBLAS_NUM_THREADS": str(args.threads),
                                                  "OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None},
                     "inherited_environment": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                                               "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}},
    }
    runs, facts = [], {}
    with tempfile.TemporaryDirectory(prefix="recurrent-bench-") as workdir:
        print("FMA peak ...", flush=True)
        peaks = [measure_peak(args, workdir)]
        total = len(cases) * len(cells) * len(modes)
        n = 0
        for mode in modes:
            for cell in cells:
                for name, shape in cases:
                    n += 1
                    print(f"[{n}/{total}] {mode} {cell} {name} {shape}", flush=True)
                    measured = {impl: [] for impl in IMPLS}
                    for _ in range(args.rounds):
                        for impl in IMPLS:
                            result, fact, line = run_one(impl, cell, mode, shape, args, workdir)
                            if fact is not None:
                                facts.setdefault(impl, fact)
                            measured[impl].append(result)
                            print(f"  {impl:16} {result['seq_per_s']:12.1f} seq/s {result['gflops']:8.2f} GFLOP/s "
                                  f"{result['ms_median']:10.4f} ms  (others {result['others_cores']:.2f} cores)", flush=True)
                    for impl in IMPLS:
                        # The machine's speed drifts between processes (a shared VM): each library keeps its fastest round.
                        best = max(measured[impl], key=lambda r: r["seq_per_s"])
                        best.update({"impl": impl, "case": name, "rounds_seq_per_s": [round(r["seq_per_s"], 1) for r in measured[impl]]})
                        runs.append(best)
        # Repeat disturbed runs once; keep the less disturbed measurement.
        retried = retry_disturbed(runs, args, workdir)
        print("FMA peak again ...", flush=True)
        peaks.append(measure_peak(args, workdir))

    runtime = time.monotonic() - started
    meta["runtime_seconds"] = round(runtime, 1)
    meta["retried_runs"] = retried
    meta["waited_seconds"] = round(WAITED[0], 1)
    meta["pytorch"] = facts
    meta["peak"] = summarize_peaks(peaks, args.threads)
    document = {"meta": meta, "runs": runs}
    raw = args.results / f"{date.date().isoformat()}.json"
    write_outputs(document, raw, args.report)
    print(f"wrote {raw} and {args.report} (total {runtime / 60:.1f} min)")


# ---------------------------------------------------------------------------------------------------------------- report

def fmt(value, digits=1):
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def report(document, raw, cases, cells, modes):
    meta, runs = document["meta"], document["runs"]
    by = {key_of(r): r for r in runs}
    peak = meta["peak"]["gflops_threads"]
    m = meta["machine"]
    best_facts, default_facts = meta["pytorch"].get("pytorch_best", {}), meta["pytorch"].get("pytorch_default", {})

    def blas_text(f):
        if not f:
            return "–"
        ob = f.get("openblas") or {}
        core = f" — OpenBLAS core **{ob['corename']}**, {ob['num_threads']} threads" if "corename" in ob else ""
        return f"{', '.join(f'`{p}`' for p in f.get('blas_loaded', [])) or 'none found'}{core}"

    lines = [
        "# Performance: Recurrent vs PyTorch",
        "",
        f"Generated by `bench/run_benchmarks.py` on {meta['date']} (whole run {meta['runtime_seconds'] / 60:.1f} min); raw data in "
        f"`{raw.relative_to(ROOT) if raw.is_relative_to(ROOT) else raw}`. How to run it and what is measured: [bench/README.md](../bench/README.md).",
        "",
        "## Machine and software",
        "",
        f"* CPU: {m['cpu_model']} ({m['cpu_family_model']}), {m['logical_cpus']} logical CPUs "
        f"({m['lscpu'].get('Core(s) per socket', '?')} cores per socket, {m['lscpu'].get('Thread(s) per core', '?')} thread per core"
        f"{', hypervisor ' + m['lscpu']['Hypervisor vendor'] if 'Hypervisor vendor' in m['lscpu'] else ''}); "
        f"L1d {m['lscpu'].get('L1d cache', '?')}, L2 {m['lscpu'].get('L2 cache', '?')}, L3 {m['lscpu'].get('L3 cache', '?')}; {m['memory_gb']} GB RAM.",
        f"* ISA (from /proc/cpuinfo): {', '.join(m['isa'])}" + (f"; not present: {', '.join(m['isa_missing'])}" if m["isa_missing"] else "") + ".",
        f"* float32 FMA peak measured from C# (`recurrent bench --peak`, Vector{meta['peak']['vector_bits']}, best of {len(meta['peak']['measurements'])} runs): "
        f"**{meta['peak']['gflops_1_thread']:.1f} GFLOP/s on 1 thread, {peak:.1f} GFLOP/s on {meta['peak']['threads']} threads** "
        f"(the \"% of peak\" below is of the {meta['peak']['threads']}-thread figure).",
        f"* OS: {m['os']}.",
        f"* Ours: {meta['peak'].get('runtime') or '.NET'} (SDK {meta['dotnet']['sdk']}), Release build, "
        f"`Gemm.MaxDegreeOfParallelism = {meta['settings']['threads']}` (`--threads`).",
        f"* PyTorch: {best_facts.get('torch', default_facts.get('torch', '?'))} (Debian python3-torch, Python {best_facts.get('python', '?')}), "
        f"CPU capability {best_facts.get('cpu_capability', '?')}, build BLAS_INFO={best_facts.get('build_blas_info', '?')}, "
        f"oneDNN available: {best_facts.get('mkldnn_available', '?')}, `torch.set_num_threads({meta['settings']['threads']})`.",
        f"* BLAS the peer loaded (from /proc/self/maps after a matmul), as installed: {blas_text(default_facts)}.",
        f"* BLAS the peer loaded, best configuration: {blas_text(best_facts)}.",
        "",
        "## Settings",
        "",
        f"* Each case is timed per call after a warm-up of ≥ {meta['settings']['warmup_seconds']} s and ≥ 3 calls, for ≥ {meta['settings']['seconds']} s "
        f"and ≥ 10 calls; the tables give the median (seq/s = B / median). One process per case and library, run back to back for each case"
        + (f"; each case runs {meta['settings']['rounds']} rounds (ours, PyTorch default, PyTorch best, then again) and each library keeps its "
           "fastest median: this VM's speed drifts by up to a quarter between processes, for both libraries alike." if meta['settings'].get('rounds', 1) > 1 else "."),
        "* GFLOP/s counts matrix products only: 2·B·T·(I+H)·G·H per forward (G = 1 / 4 / 3), 3× that per training step.",
        f"* PyTorch \"default\" runs with the environment as installed here ({', '.join(f'{k}={v}' for k, v in meta['settings']['inherited_environment'].items() if v is not None) or 'no relevant variables set'}); "
        f"\"best\" with OMP_WAIT_POLICY=passive, OPENBLAS_NUM_THREADS={meta['settings']['threads']} and OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset, for that subprocess only.",
        f"* The machine may be shared: before each run the script waits up to {meta['settings']['max_wait']:.0f} s "
        f"(at most {meta['settings']['wait_budget']:.0f} s in all; {meta['waited_seconds']:.0f} s this time) for fewer than "
        f"{meta['settings']['idle_threshold']} busy cores, records the cores other processes used during the run, and repeats runs disturbed by "
        f"more than {meta['settings']['disturbed']} cores once, keeping the quieter one ({meta['retried_runs']} runs repeated). "
        "Rows still disturbed are marked ⚠ with the cores others used.",
    ]
    for fix in meta.get("repairs", []):
        lines.append(f"* Repaired on {fix['date']} (`run_benchmarks.py --repair`): {fix['disturbed_before']} disturbed runs, "
                     f"{fix['rerun']} measured again, {fix['disturbed_after']} still disturbed ({fix['seconds'] / 60:.1f} min).")
    lines.append("")

    def disturbed_mark(*rs):
        worst = max((r["others_cores"] for r in rs if r), default=0)
        return f" ⚠{worst:.1f}" if worst > meta["settings"]["disturbed"] else ""

    for mode in modes:
        lines += [f"## {MODE_TITLES[mode]}", ""]
        for cell in cells:
            lines += [f"### {CELL_TITLES[cell]}", "",
                      "| case | B, T, I, H | ours seq/s | ours GFLOP/s | % of peak | ours ms (min–max) | alloc B/call | PyTorch default seq/s | PyTorch best seq/s | ours / best |",
                      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for name, shape in cases:
                o = by.get(("ours", cell, mode, name))
                d = by.get(("pytorch_default", cell, mode, name))
                b = by.get(("pytorch_best", cell, mode, name))
                if not o:
                    continue
                ratio = o["seq_per_s"] / b["seq_per_s"] if b else None
                lines.append(
                    f"| {name}{disturbed_mark(o, d, b)} | {', '.join(map(str, shape))} | {fmt(o['seq_per_s'])} | {fmt(o['gflops'], 2)} | "
                    f"{100 * o['gflops'] / peak:.1f} % | {o['ms_median']:.4g} ({o['ms_min']:.3g}–{o['ms_max']:.3g}) | {o['alloc_bytes_per_call']:,.0f} | "
                    f"{fmt(d['seq_per_s']) if d else '–'} | {fmt(b['seq_per_s']) if b else '–'} | "
                    f"{'**' if ratio is not None and ratio < RATIO_ALL else ''}{ratio:.2f}×{'**' if ratio is not None and ratio < RATIO_ALL else ''} |")
            lines.append("")

    # Targets
    misses, met = [], []
    for mode in modes:
        for cell in cells:
            for name, shape in cases:
                o, b = by.get(("ours", cell, mode, name)), by.get(("pytorch_best", cell, mode, name))
                if not o or not b:
                    continue
                label = f"{mode} {cell} {name}"
                ratio = o["seq_per_s"] / b["seq_per_s"]
                need = RATIO_SMALL if name in SMALL_CASES else RATIO_ALL
                # A ratio target is out of reach when it asks for nearly the whole FMA peak: say how much it asks.
                asks = need * b["gflops"] / peak
                (met if ratio >= need else misses).append(("speed", f"{label}: {ratio:.2f}× best PyTorch (target ≥ {need:g}×; "
                                                           f"needs {need * b['gflops']:.0f} GFLOP/s = {100 * asks:.0f} % of peak)"))
                if name in PEAK_CASES:
                    share = o["gflops"] / peak
                    (met if share >= PEAK_SHARE else misses).append(("peak", f"{label}: {100 * share:.1f} % of peak (target ≥ {100 * PEAK_SHARE:.0f} %)"))
                if cell == "lstm" and mode == "infer" and name in SMALL_CASES - {"small"}:
                    us = o["ms_median"] * 1e3 / shape[1]
                    (met if us <= LSTM_STEP_US else misses).append(("step", f"{label}: {us:.3f} µs per time step (target ≤ {LSTM_STEP_US} µs)"))
                alloc = o["alloc_bytes_per_call"]
                (met if alloc == 0 else misses).append(("alloc", f"{label}: {alloc:,.0f} bytes allocated per call after warm-up (target 0)"))

    # The latency case at T = 1 and T = 200 separates the fixed cost of a call from the cost of each further step.
    for mode in modes:
        one, many = by.get(("ours", "lstm", mode, "latency T=1")), by.get(("ours", "lstm", mode, "latency T=200"))
        if mode == "infer" and one and many:
            step = (many["ms_median"] - one["ms_median"]) * 1e3 / 199
            met_or_missed = met if step <= LSTM_STEP_US else misses
            met_or_missed.append(("step", f"infer lstm, marginal cost of a step ((T=200 − T=1) / 199): {step:.3f} µs; fixed cost of a call "
                                          f"{one['ms_median'] * 1e3 - step:.2f} µs (target ≤ {LSTM_STEP_US} µs per step)"))

    titles = {"speed": "≥ 1.5× best PyTorch everywhere, ≥ 2× on the latency and small cases",
              "peak": "≥ 60 % of the FMA peak on the large and xlarge cases",
              "step": "LSTM latency inference ≤ 0.5 µs per time step",
              "alloc": "no allocation per call after warm-up"}
    lines += ["## Targets", "",
              f"{len(met)} checks met, {len(misses)} missed.", ""]
    for kind, title in titles.items():
        kind_misses = [text for k, text in misses if k == kind]
        kind_met = [text for k, text in met if k == kind]
        lines.append(f"### {title}: {len(kind_met)} met, {len(kind_misses)} missed")
        lines.append("")
        for text in kind_misses:
            lines.append(f"* ✗ {text}")
        if kind in ("step", "peak"):
            for text in kind_met:
                lines.append(f"* ✓ {text}")
        elif kind_met:
            lines.append(f"* ✓ met: {'; '.join(t.split(':')[0] for t in kind_met)}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
