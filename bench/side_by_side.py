#!/usr/bin/python3
"""Training step side by side: TheoryKit vs NumPy vs PyTorch (float64, full batch).

One step of full-batch gradient descent on the two-layer ReLU network
f(x) = (1/sqrt(m)) sum_s a_s relu(<w_s, x>) with the logistic loss:

    Z = X W^T (n x m); H = relu(Z); f = H a / sqrt(m); loss, error; l'(f) / n
    G = 1[Z > 0] * a / sqrt(m) * l'(f) / n (n x m); W -= eta G^T X

NumPy and PyTorch run this with preallocated n x m buffers and in-place operations (what a careful
user would write, not autograd); TheoryKit runs Trainer.Train through the bench's `train-step` quick mode.
Every program is a separate process; the three alternate over --rounds rounds and the best of the rounds
is compared. Each process does a warm-up run, then --trials runs of --steps steps and reports its best
seconds per step.

Run with Debian's Python (python3-numpy, python3-torch, libopenblas0-pthread):

    /usr/bin/python3 bench/side_by_side.py [--rounds 3] [--threads 2] [--no-build] [--shapes 784x4096,2x256]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are inherited unchanged (reported at the top).
"""
import argparse
import math
import os
import re
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_PROJECT = os.path.join(ROOT, "bench", "TheoryKit.Bench")
BENCH_DLL = os.path.join(BENCH_PROJECT, "bin", "Release", "net10.0", "TheoryKit.Bench.dll")

# (n, d, m, steps per run, kind)
SHAPES = [
    (10000, 784, 4096, 5, "matmul-bound"),
    (10000, 2, 256, 10, "low-dimensional"),
    (10000, 2, 4096, 10, "low-dimensional"),
    (10000, 50, 256, 10, "low-dimensional"),
    (10000, 50, 4096, 10, "low-dimensional"),
]
ETA = 1.0


# ---------------------------------------------------------------- workers (one process per measurement)

def blas_info():
    """Which BLAS library this process loaded (from /proc/self/maps) and OpenBLAS's own config string."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"blas|lapack|mkl|gomp|omp", os.path.basename(path)):
                libs.add(path)
    info = ", ".join(sorted(libs)) or "none found"
    try:
        import ctypes
        ob = next((p for p in libs if "libopenblas" in p), None)
        if ob:
            lib = ctypes.CDLL(ob)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info += " | %s, core %s, %d threads" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode(),
                                                    lib.openblas_get_num_threads())
    except Exception as e:  # report, never fail on the introspection
        info += " | openblas query failed: %s" % e
    return info


def make_problem(np, n, d, m, seed=20240611):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = rng.choice([-1.0, 1.0], size=n)
    W = rng.standard_normal((m, d))
    a = rng.choice([-1.0, 1.0], size=m)
    return X, y, W, a


def worker_numpy(n, d, m, steps, trials):
    import numpy as np
    X, y, W, a = make_problem(np, n, d, m)
    a_s = a / math.sqrt(m)
    Z = np.empty((n, m))
    M = np.empty((n, m), dtype=bool)

    def step():
        np.matmul(X, W.T, out=Z)                       # Z = X W^T
        np.maximum(Z, 0.0, out=Z)                      # relu in place (Z > 0 is unchanged)
        f = Z @ a_s
        yf = y * f
        loss = np.logaddexp(0.0, -yf).mean()           # logistic risk
        err = np.mean(yf <= 0)
        with np.errstate(over="ignore"):
            g = -y / (1.0 + np.exp(yf)) / n             # l'(f) / n
        np.greater(Z, 0.0, out=M)
        np.multiply(M, a_s, out=Z)                     # G = 1[Z > 0] a'
        np.multiply(Z, g[:, None], out=Z)              #     * l'(f) / n
        W[...] -= ETA * (Z.T @ X)                      # W -= eta G^T X
        return loss, err

    best = timed(step, steps, trials)
    C = np.empty((n, m))
    gemm = min(timeit(lambda: np.matmul(X, W.T, out=C)) for _ in range(3))
    print("backend: numpy %s; %s" % (np.__version__, blas_info()))
    print("seconds per step: %.6e" % best)
    print("gemm rate at the forward shape: %.3f GFLOP/s" % (2.0 * n * m * d / gemm / 1e9))


def worker_torch(n, d, m, steps, trials, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    X, y, W, a = (torch.from_numpy(v) for v in make_problem(np, n, d, m))
    a_s = a / math.sqrt(m)
    Z = torch.empty((n, m), dtype=torch.float64)
    M = torch.empty((n, m), dtype=torch.bool)

    def step():
        with torch.inference_mode():
            torch.mm(X, W.t(), out=Z)                   # Z = X W^T
            Z.clamp_(min=0.0)                           # relu in place
            f = torch.mv(Z, a_s)
            yf = y * f
            loss = torch.nn.functional.softplus(-yf).mean().item()
            err = (yf <= 0).double().mean().item()
            g = -y * torch.sigmoid(-yf) / n             # l'(f) / n
            torch.gt(Z, 0.0, out=M)
            torch.mul(M, a_s, out=Z)                    # G = 1[Z > 0] a'
            Z.mul_(g[:, None])                          #     * l'(f) / n
            W.addmm_(Z.t(), X, alpha=-ETA)              # W -= eta G^T X (one GEMM, beta = 1)
            return loss, err

    best = timed(step, steps, trials)
    print("backend: torch %s, %d threads; %s" % (torch.__version__, torch.get_num_threads(), blas_info()))
    print("seconds per step: %.6e" % best)


def timeit(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timed(step, steps, trials):
    for _ in range(steps):  # warm-up run: thread pools, page faults
        step()
    best = float("inf")
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss, _ = step()
        best = min(best, (time.perf_counter() - t0) / steps)
        if not math.isfinite(loss):
            raise SystemExit("training diverged")
    return best


# ---------------------------------------------------------------- driver

def busy_jiffies():
    """CPU time (all cores, in clock ticks) spent not idle, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


def foreign_load(seconds=1.0):
    """Cores kept busy by other processes over a short window while we sleep."""
    b0 = busy_jiffies()
    time.sleep(seconds)
    return (busy_jiffies() - b0) / os.sysconf("SC_CLK_TCK") / seconds


def wait_for_quiet(max_wait, threshold=0.2):
    """Waits (up to max_wait seconds) until other processes use less than threshold cores; returns the last reading."""
    t0 = time.time()
    load = foreign_load()
    while load > threshold and time.time() - t0 < max_wait:
        load = foreign_load(2.0)
    return load


def run(cmd, env, max_wait=0.0):
    """Runs cmd; returns (stdout, cores used by other processes during the run on average)."""
    if max_wait > 0:
        wait_for_quiet(max_wait)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b0, t0 = busy_jiffies(), time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, busy = time.time() - t0, (busy_jiffies() - b0) / os.sysconf("SC_CLK_TCK")
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("command failed (%d): %s" % (p.returncode, " ".join(cmd)))
    return p.stdout, max(0.0, busy - mine) / wall


def grab(pattern, text, cast=float):
    m = re.search(pattern, text)
    if not m:
        raise SystemExit("could not find %r in:\n%s" % (pattern, text))
    return cast(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="rounds alternating the three programs (best of them is compared)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--trials", type=int, default=2, help="timed runs inside each process (best is reported)")
    ap.add_argument("--steps-scale", type=float, default=1.0, help="multiply every shape's steps per run")
    ap.add_argument("--shapes", default="", help="comma-separated dxm filters, e.g. 784x4096,2x256 (default: all)")
    ap.add_argument("--no-build", action="store_true", help="use the existing Release build of bench/TheoryKit.Bench")
    ap.add_argument("--max-wait", type=float, default=60.0,
                    help="before each process wait up to this many seconds for other processes to use < 0.2 cores (0: never wait)")
    ap.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int), ap.add_argument("--d", type=int), ap.add_argument("--m", type=int)
    ap.add_argument("--steps", type=int)
    args = ap.parse_args()

    if args.worker == "numpy":
        return worker_numpy(args.n, args.d, args.m, args.steps, args.trials)
    if args.worker == "torch":
        return worker_torch(args.n, args.d, args.m, args.steps, args.trials, args.threads)

    t = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, OMP_WAIT_POLICY="PASSIVE")
    print("python: %s; threads: %s; rounds: %d; trials per process: %d" % (sys.executable, t, args.rounds, args.trials))
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        print("%s: %s" % (var, os.environ.get(var, "(unset, left unset)")))
    if not args.no_build:
        print("building bench/TheoryKit.Bench (Release) ...", flush=True)
        run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", BENCH_PROJECT], env)
    print("other processes now use %.2f cores (of %d)" % (foreign_load(), os.cpu_count()))

    shapes = SHAPES
    if args.shapes:
        wanted = set(args.shapes.split(","))
        shapes = [s for s in SHAPES if "%dx%d" % (s[1], s[2]) in wanted]

    me = os.path.abspath(__file__)
    results = []
    for n, d, m, steps, kind in shapes:
        steps = max(1, round(steps * args.steps_scale))
        common = ["--n", str(n), "--d", str(d), "--m", str(m), "--threads", t, "--trials", str(args.trials)]
        times = {"theorykit": [], "numpy": [], "torch": []}
        gemm_rates, mem_ratio, path = [], [], ""
        foreign = {"theorykit": [], "numpy": [], "torch": []}
        print("\nshape n=%d d=%d m=%d (%s), %d steps per run" % (n, d, m, kind, steps), flush=True)
        for r in range(args.rounds):
            w = args.max_wait
            out, f1 = run(["dotnet", BENCH_DLL, "train-step", "--reps", str(steps)] + common, env, w)
            times["theorykit"].append(grab(r"seconds per step: ([0-9.eE+-]+)", out))
            gemm_rates.append(grab(r"gemm rate at the forward shape: ([0-9.eE+-]+)", out))
            mem_ratio.append(grab(r"peak memory ratio: ([0-9.eE+-]+)", out))
            path = grab(r"engine path: ([^\n]*)", out, str)
            out_np, f2 = run([sys.executable, me, "--worker", "numpy", "--steps", str(steps)] + common, env, w)
            times["numpy"].append(grab(r"seconds per step: ([0-9.eE+-]+)", out_np))
            out_t, f3 = run([sys.executable, me, "--worker", "torch", "--steps", str(steps)] + common, env, w)
            for k, f in zip(("theorykit", "numpy", "torch"), (f1, f2, f3)):
                foreign[k].append(f)
            times["torch"].append(grab(r"seconds per step: ([0-9.eE+-]+)", out_t))
            if r == 0:
                print("  theorykit: %s" % path)
                print("  numpy:     %s" % grab(r"backend: ([^\n]*)", out_np, str))
                print("  torch:     %s" % grab(r"backend: ([^\n]*)", out_t, str))
                print("  numpy dgemm at the forward shape: %.1f GFLOP/s" % grab(r"gemm rate at the forward shape: ([0-9.eE+-]+)", out_np))
            print("  round %d: theorykit %.4f s, numpy %.4f s, torch %.4f s, TheoryKit dgemm %.1f GFLOP/s, peak memory %.2fx;"
                  " other processes used %.2f / %.2f / %.2f cores"
                  % (r + 1, times["theorykit"][-1], times["numpy"][-1], times["torch"][-1], gemm_rates[-1], mem_ratio[-1], f1, f2, f3),
                  flush=True)
        best = {k: min(v) for k, v in times.items()}
        at_best = {k: foreign[k][v.index(min(v))] for k, v in times.items()}
        # the dgemm rate of the same process (round) as TheoryKit's best time
        rate = gemm_rates[times["theorykit"].index(best["theorykit"])]
        eff = 4.0 * n * m * d / best["theorykit"] / 1e9
        results.append((n, d, m, kind, best, eff / rate, max(mem_ratio), path, at_best))

    print("\nbest of %d rounds, seconds per step (float64, %s threads)" % (args.rounds, t))
    hdr = "| n | d | m | kind | TheoryKit s | NumPy s | PyTorch s | TK/NumPy | TK/PyTorch | TK/min | TK / dgemm rate | peak mem / (X+W+nm) | other load TK/NP/PT |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for n, d, m, kind, b, frac, mem, path, at in results:
        tk, nu, to = b["theorykit"], b["numpy"], b["torch"]
        print("| %d | %d | %d | %s | %.4f | %.4f | %.4f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f/%.2f/%.2f |"
              % (n, d, m, kind, tk, nu, to, tk / nu, tk / to, tk / min(nu, to), frac, mem,
                 at["theorykit"], at["numpy"], at["torch"]))
    print("\nTK/min <= 1.0 and TK / dgemm rate >= 0.75 are the targets of the matmul-bound shape;"
          " TK/NumPy <= 0.5 of the low-dimensional ones; peak memory <= 1.5 of all.\n"
          "TK / dgemm rate: TheoryKit's effective rate 4 n m d / s over the dgemm rate (n x d times d x m) measured in the same process.\n"
          "other load: cores used by other processes (of 2) during the run that gave each program's best time.")


if __name__ == "__main__":
    main()
