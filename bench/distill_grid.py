#!/usr/bin/python3
"""The default distill grid: TheoryKit's Trainer.TrainMany versus a loop of PyTorch runs (float64, full batch).

The grid (issue 10, "Performance"): Fashion-MNIST shirt vs T-shirt/top, for each of S seeds a subsample of
n = 1000 unit-norm rows (d = 784); label noise 0, 0.1, 0.2, 0.3; widths 2, 4, 8, 16, 32, 64; soft and hard
labels; full-batch gradient descent with eta = 16 on f(x) = (1/sqrt m) sum_s a_s relu(<w_s, x>) (a fixed),
to convergence (THEORY.md §9 rule: relative drop of the objective over the last 10% of steps < 1%, checked
every 10 steps from step 100) with a cap of 5000 steps.

TheoryKit: `TheoryKit.Bench distill-grid` (one Trainer.TrainMany call over all runs; it exports the data, the
labels, the soft labels and every run's number of steps). PyTorch: this script's worker loops over the same
runs on the same data and labels, one run after another, each for exactly the steps TheoryKit's run took
(so both sides do the same work; the worker evaluates the objective every step as the rule needs), in the
careful in-place style of bench/side_by_side.py, torch.set_num_threads(threads). Every program is a separate
process; they alternate over --rounds rounds and the best of each is compared. Wall-clock and CPU seconds
(user + system of the process) are both reported: on a shared machine the CPU seconds are the steadier figure.

    /usr/bin/python3 bench/distill_grid.py [--rounds 2] [--threads 2] [--seeds 5] [--no-build]
"""
import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from side_by_side import BENCH_DLL, BENCH_PROJECT, grab  # noqa: E402  (one parser and one set of paths for both scripts)


def worker_torch(folder, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    spec = json.load(open(os.path.join(folder, "runs.json")))
    n, d, eta = spec["n"], spec["d"], spec["eta"]
    load = lambda name: torch.from_numpy(np.fromfile(os.path.join(folder, name), dtype="<f8"))
    xs, ys, ps = {}, {}, {}
    for r in spec["runs"]:
        s, l = r["seed"], r["noise_index"]
        if s not in xs:
            xs[s] = load("X_%d.f64" % s).reshape(n, d)
        if (s, l) not in ys:
            ys[(s, l)], ps[(s, l)] = load("y_%d_%d.f64" % (s, l)), load("p_%d_%d.f64" % (s, l))
    gen = torch.Generator().manual_seed(1)
    t0, c0 = time.perf_counter(), time.process_time()
    steps = 0
    with torch.inference_mode():
        for r in spec["runs"]:
            X, y, p = xs[r["seed"]], ys[(r["seed"], r["noise_index"])], ps[(r["seed"], r["noise_index"])]
            m = r["width"]
            W = torch.randn((m, d), generator=gen, dtype=torch.float64)
            a_s = (torch.randint(0, 2, (m,), generator=gen, dtype=torch.float64) * 2 - 1) / math.sqrt(m)
            Z = torch.empty((n, m), dtype=torch.float64)
            M = torch.empty((n, m), dtype=torch.bool)
            soft = r["kind"] == "soft"
            losses = []
            for t in range(r["steps"]):
                torch.mm(X, W.t(), out=Z)                   # Z = X W^T
                torch.gt(Z, 0.0, out=M)
                Z.clamp_(min=0.0)                           # relu in place
                f = torch.mv(Z, a_s)
                if soft:                                    # KL(p || sigmoid f), derivative sigmoid(f) - p
                    loss = (p * torch.nn.functional.softplus(-f) + (1 - p) * torch.nn.functional.softplus(f)).mean()
                    g = (torch.sigmoid(f) - p) / n
                else:                                       # logistic loss, derivative -y sigmoid(-y f)
                    yf = y * f
                    loss = torch.nn.functional.softplus(-yf).mean()
                    g = -y * torch.sigmoid(-yf) / n
                losses.append(loss.item())                  # the convergence rule reads the objective every step
                torch.mul(M, a_s, out=Z)                    # G = 1[Z > 0] a'
                Z.mul_(g[:, None])                          #     * l'(f) / n
                W.addmm_(Z.t(), X, alpha=-eta)              # W -= eta G^T X
            steps += r["steps"]
    print("backend: torch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
    print("grid seconds: %.3f" % (time.perf_counter() - t0))
    print("cpu seconds: %.3f" % (time.process_time() - c0))
    print("total steps: %d" % steps)


def run(cmd, env):
    """Runs cmd; returns (stdout, wall seconds, CPU seconds of the child, load average at the end)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.time() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("command failed (%d): %s" % (p.returncode, " ".join(cmd)))
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return p.stdout, wall, cpu, os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--widths", default="2,4,8,16,32,64")
    ap.add_argument("--noise", default="0,0.1,0.2,0.3")
    ap.add_argument("--cap", type=int, default=5000)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_torch(args.worker, args.threads)

    t = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, OMP_WAIT_POLICY="PASSIVE")
    if not args.no_build:
        print("building bench/TheoryKit.Bench (Release) ...", flush=True)
        run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", BENCH_PROJECT], env)
    folder = tempfile.mkdtemp(prefix="distill-grid-")
    grid = ["--seeds", str(args.seeds), "--widths", args.widths, "--noise", args.noise, "--cap", str(args.cap), "--threads", t]
    print("grid: %d seeds x noise %s x widths %s x {soft, hard}, eta 16, cap %d; threads %s; load average now %.1f"
          % (args.seeds, args.noise, args.widths, args.cap, t, os.getloadavg()[0]), flush=True)
    tk, pt = [], []
    for r in range(args.rounds):
        extra = ["--export", folder] if r == 0 else []
        out, wall, cpu, load = run(["dotnet", BENCH_DLL, "distill-grid"] + grid + extra, env)
        tk.append((grab(r"grid seconds: ([0-9.]+)", out), cpu, load))
        if r == 0:
            steps = grab(r"total steps: ([0-9]+)", out, int)
            print("  theorykit: %s; %d runs, %d steps; %s" % (grab(r"backend: ([^\n]*)", out, str), grab(r"runs: ([0-9]+)", out, int), steps,
                  ", ".join(re.findall(r"outcome (\w+: \d+)", out))), flush=True)
        me = os.path.abspath(__file__)
        out_t, wall_t, cpu_t, load_t = run([sys.executable, me, "--worker", folder, "--threads", t], env)
        pt.append((grab(r"grid seconds: ([0-9.]+)", out_t), cpu_t, load_t))
        if r == 0:
            print("  torch:     %s; %d steps" % (grab(r"backend: ([^\n]*)", out_t, str), grab(r"total steps: ([0-9]+)", out_t, int)))
        print("  round %d: TheoryKit %.1f s wall (%.1f s CPU incl. start-up, load %.1f), PyTorch %.1f s wall (%.1f s CPU incl. start-up, load %.1f)"
              % (r + 1, tk[-1][0], tk[-1][1], tk[-1][2], pt[-1][0], pt[-1][1], pt[-1][2]), flush=True)
    bt, bp = min(tk), min(pt)
    ct, cp = min(v[1] for v in tk), min(v[1] for v in pt)
    print("\n| | TheoryKit TrainMany | PyTorch loop | PyTorch / TheoryKit |")
    print("|---|---|---|---|")
    print("| grid wall seconds (best of %d) | %.1f | %.1f | %.2f |" % (args.rounds, bt[0], bp[0], bp[0] / bt[0]))
    print("| process CPU seconds (best of %d) | %.1f | %.1f | %.2f |" % (args.rounds, ct, cp, cp / ct))
    print("\ntargets: TheoryKit's grid under 600 s wall on 2 quiet cores, PyTorch / TheoryKit >= 3.")


if __name__ == "__main__":
    main()
