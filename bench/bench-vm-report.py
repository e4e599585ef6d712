#!/usr/bin/env python3
# Summarises bench-vm-update's guest results (times.txt, delays.txt,
# notice.txt in RESULTS): median, min, max, p90 per figure, overheads against
# the /bin/true floor of the same boot, before/after side by side when the
# run had a baseline. Never judges a number.
# One floor per boot: every /bin/true of the boot (the runs beside --direct
# and those beside the tdxd runs) pooled into one median, which divides
# every overhead, so the direct and tdxd multiples are comparable; each
# block's own median is printed too, to show the load moved.
# An update's overhead is its wall time minus the install as the kernel spent
# it in that run (tdx_host_sim's received_ns -> completed_ns); wall minus the
# nominal install_ms is printed beside it, as it was before that was measured.
# With several boots' results, each boot is reported on its own, then the
# multiples of each boot's floor side by side, with their median and worst.
#   bench-vm-report.py INSTALL_MS RESULTS...
import statistics
import sys

ims, boots = int(sys.argv[1]), sys.argv[2:]


def load(path, key):
    out = {}
    for line in open(path):
        f = line.split()
        out.setdefault(f[0], []).append(float(f[f.index(key) + 1]))
    return out


def stats(xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return statistics.median(xs), xs[0], xs[-1], p90, len(xs)


def show(name, xs, unit="ms", extra=""):
    med, lo, hi, p90, n = stats(xs)
    print(f"{name:50s} n={n:3d}  median {med:8.1f} {unit}  min {lo:8.1f}  max {hi:8.1f}  "
          f"p90 {p90:8.1f}{extra}")
    return med


def report(res):
    """Prints one boot's figures; returns its multiples of the floor by name."""
    multiples = {}
    wall = {k: [v / 1000 for v in vs] for k, vs in load(f"{res}/times.txt", "wall_us").items()}
    cpu = {k: [v / 1000 for v in vs] for k, vs in load(f"{res}/times.txt", "cpu_us").items()}
    delays = {k: [v / 1000 for v in vs] for k, vs in load(f"{res}/delays.txt", "delay_us").items()}
    try:  # the install as the kernel spent it, run by run (older results lack it)
        kernel = {k: [v / 1000 for v in vs]
                  for k, vs in load(f"{res}/delays.txt", "install_us").items()}
    except ValueError:
        kernel = {}
    builds = []
    for k in wall:  # in the order the guest ran them: before, compared builds, after
        if k.endswith("_version") and k[: -len("_version")] not in builds:
            builds.append(k[: -len("_version")])

    print("guest: TCG, 2 CPUs; root file system (binaries, libraries) read over 9p")
    show("floor: /bin/true beside --direct", wall["floor_true"])
    if "floor_true_bus" in wall:
        show("floor: /bin/true beside the tdxd runs", wall["floor_true_bus"])
    floor = show("floor: /bin/true, the boot's floor (pooled)",
                 wall["floor_true"] + wall.get("floor_true_bus", []))
    if "floor_true_norandom" in wall:
        show("floor: /bin/true, ASLR off (setarch -R)", wall["floor_true_norandom"])
    show("floor: python3 -c pass", wall["floor_python"], extra=f"  ({statistics.median(wall['floor_python']) / floor:.1f}x true)")
    for b in builds:
        print(f"--- {b} ---")
        v = show(f"{b}: tdxctl --version", wall[f"{b}_version"])
        print(f"{'':50s} {v / floor:.2f}x the /bin/true floor; CPU median {statistics.median(cpu[f'{b}_version']):.1f} ms")
        multiples[f"{b}: --version"] = v / floor
        show(f"{b}: tdxctl --direct status", wall[f"{b}_direct_status"])
        for route, label in (("direct", "--direct update"), ("bus", "update through tdxd")):
            key = f"{b}_{route}_update"
            if key not in wall:
                continue
            show(f"{b}: tdxctl {label}, wall", wall[key])
            if len(kernel.get(key, [])) == len(wall[key]):
                show(f"{b}:   the kernel's install (write op -> done)", kernel[key])
                over = [w - k for w, k in zip(wall[key], kernel[key])]
                med = show(f"{b}:   minus the kernel's install (overhead)", over)
                print(f"{'':50s} overhead {med / floor:.2f}x the boot's /bin/true floor")
                multiples[f"{b}: {label} overhead"] = med / floor
            nominal = show(f"{b}:   minus install_ms={ims} (nominal)", [w - ims for w in wall[key]])
            print(f"{'':50s} {nominal / floor:.2f}x the floor, the kernel's extra time charged to tdxctl")
            multiples[f"{b}: {label} wall-{ims}ms"] = nominal / floor
            if key in delays:
                show(f"{b}:   kernel done -> tdxctl exited", delays[key])
        if f"{b}_bus_status" in wall:
            show(f"{b}: tdxctl status through tdxd", wall[f"{b}_bus_status"])
        key = f"{b}_direct_update_norandom"
        if key in wall and "floor_true_norandom" in wall:
            floor_nr = statistics.median(wall["floor_true_norandom"])
            ks = kernel.get(key, [])
            over = ([w - k for w, k in zip(wall[key], ks)] if len(ks) == len(wall[key])
                    else [w - ims for w in wall[key]])
            med = show(f"{b}: --direct update overhead, ASLR off", over)
            print(f"{'':50s} {med / floor_nr:.2f}x /bin/true with ASLR off "
                  f"({floor_nr:.1f} ms): TCG keeps its translations between runs")
            multiples[f"{b}: --direct update overhead, ASLR off"] = med / floor_nr
    try:
        notice = sum(load(f"{res}/notice.txt", "notice_us").values(), [])
        install = sum(load(f"{res}/notice.txt", "install_us").values(), [])
        show("library engine: kernel done -> sees idle", notice, "us")
        show("library engine: loading=0 -> idle", [u / 1000 for u in install])
    except (FileNotFoundError, ValueError):
        print("library engine: not measured (the guest run ended before bench-vm-notice)")
    return multiples


multiples = []
for n, res in enumerate(boots, 1):
    if len(boots) > 1:
        print(f"===== boot {n} of {len(boots)}: {res} =====")
    multiples.append(report(res))
print("reference: Intel's version_select_and_load.py costs install time + 1.4-1.9 s in a guest")
print("like this one (one-second status poll, Python start-up, store scan)")
if len(boots) > 1:
    print(f"===== multiples of each boot's /bin/true floor, {len(boots)} boots =====")
    for name in multiples[0]:
        xs = [m[name] for m in multiples if name in m]
        each = " ".join(f"{x:5.2f}x" for x in xs)
        print(f"{name:42s} {each}   median {statistics.median(xs):5.2f}x  worst {max(xs):5.2f}x")
