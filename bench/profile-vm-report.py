#!/usr/bin/env python3
"""Phases of `tdxctl --direct update` from the guest's ftrace (profile-vm-update.sh).

Usage: profile-vm-report.py RESULTS_DIR STORE_DIR

Each run is cut at landmarks the program passes in order: syscalls and the
names of the files it opens. Prints, per build and phase, milliseconds
(median and min over the runs) and the median syscalls and user page faults
in the phase. A run missing a landmark is reported and left out.
"""
import glob
import os
import re
import statistics
import sys

LINE = re.compile(r"^\s*(\S+)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\S+?):? (.*)$")


def events(path):
    """(time_s, name, detail, is_syscall_exit) of the traced command, from its exec on."""
    pid, out = None, []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            _, p, t, name, rest = m.groups()
            name = name.split("(")[0]
            if name == "sched_process_exec" and pid in (None, p):
                # the wrapper (bash) execs the command: its last exec starts the run
                pid, out = p, []
            if pid is None or p != pid:
                continue
            if name == "open_name" and out:
                t0, n0, _, x0 = out[-1]
                out[-1] = (t0, n0, rest.split("name=", 1)[-1].strip('"'), x0)
                continue
            out.append((float(t), name, rest, " -> " in line))
    return out


def landmarks(store):
    """(phase that ends here, predicate on (name, detail)) in program order."""
    def opened(suffix):
        return lambda n, d: n == "sys_openat" and d.endswith(suffix)

    return [
        ("exec, dynamic loader (ld.so.cache, libgmp, libc)", lambda n, d: n == "sys_munmap"),
        ("libc start, options, environment", opened("tdxd.conf")),
        ("tdxd.conf and drop-in dirs", opened("/version")),
        ("host probe (sysfs), CPU signature", opened("mapping_file.json")),
        ("mapping_file.json: open, read, parse", opened(store)),
        ("store lookup", opened(".blob")),
        ("peek: sigstruct, signature, policy, plan", lambda n, d: n == "sys_access"),
        ("update check view", lambda n, d: n == "sys_flock"),
        ("lock, live re-reads (module, P-SEAMLDR, CPUs)", opened("tdx_module/status")),
        ("image load and verify", opened("inhibit.lock")),
        ("inhibitors, young TDs, image SHA-256", opened("tdx_module/loading")),
        ("fw_upload: loading=1, data, loading=0", lambda n, d: n == "sys_pread64"),
    ]


def cut(evs, store, completed_s):
    marks, i = [], 0
    for label, pred in landmarks(store):
        while i < len(evs) and not (not evs[i][3] and pred(evs[i][1], evs[i][2])):
            i += 1
        if i == len(evs):
            return None, label
        marks.append((label, i))
    # the upload phase ends at the first status poll after loading=0
    loads = [k for k in range(marks[-2][1], len(evs)) if evs[k][1] == "sys_openat"
             and evs[k][2].endswith("tdx_module/loading") and not evs[k][3]]
    if len(loads) < 2:
        return None, "loading=0"
    k = loads[1]
    while k < len(evs) and evs[k][1] != "sys_pread64":
        k += 1
    marks[-1] = (marks[-1][0], k)
    t = [e[0] for e in evs]
    after = next((j for j in range(k, len(evs)) if t[j] >= completed_s), None)
    err = next((j for j in range(k, len(evs)) if evs[j][1] == "sys_openat"
                and evs[j][2].endswith("tdx_module/error")), None)
    end = next((j for j in range(len(evs)) if evs[j][1] == "sched_process_exit"), None)
    if after is None or err is None or end is None:
        return None, "the end"
    marks += [("waiting for the kernel (its install)", after), ("poll notices the end", err),
              ("after: re-reads, result views, output, exit", end)]
    phases, prev = [], 0
    for label, j in marks:
        seg = evs[prev:j]
        phases.append((label, (t[j] - t[prev]) * 1000,
                       sum(1 for e in seg if e[1].startswith("sys_") and not e[3]),
                       sum(1 for e in seg if e[1] == "page_fault_user")))
        prev = j
    return phases, (t[end] - t[0]) * 1000


def main():
    res, store = sys.argv[1], sys.argv[2].rstrip("/")
    true_ms = []
    for path in sorted(glob.glob(os.path.join(res, "true-*.trace"))):
        evs = events(path)
        ends = [e[0] for e in evs if e[1] == "sched_process_exit"]
        if evs and ends:
            true_ms.append((ends[0] - evs[0][0]) * 1000)
    if true_ms:
        print("/bin/true, traced, exec -> exit: median %.1f ms, min %.1f (n=%d)"
              % (statistics.median(true_ms), min(true_ms), len(true_ms)))
    for build in ("before", "after"):
        runs = []
        for path in sorted(glob.glob(os.path.join(res, build + "-*.trace"))):
            with open(path[: -len(".trace")] + ".completed") as f:
                completed = int(f.read()) / 1e9
            phases, total = cut(events(path), store, completed)
            if phases is None:
                print("%s: %s: no landmark for %s; left out" % (build, path, total))
                continue
            runs.append((phases, total))
        if not runs:
            continue
        print("--- %s: tdxctl --direct update, %d traced runs (ms; syscalls and page faults: median)"
              % (build, len(runs)))
        for k, (label, _, _, _) in enumerate(runs[0][0]):
            ms = [r[0][k][1] for r in runs]
            print("  %-48s median %6.1f  min %6.1f  syscalls %4d  faults %3d"
                  % (label, statistics.median(ms), min(ms),
                     statistics.median(r[0][k][2] for r in runs),
                     statistics.median(r[0][k][3] for r in runs)))
        tot = [r[1] for r in runs]
        print("  %-48s median %6.1f  min %6.1f" % ("exec -> exit", statistics.median(tot), min(tot)))


if __name__ == "__main__":
    main()
