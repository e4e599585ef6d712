#!/usr/bin/env python3
# A stand-in for the kernel behind a fixture's fw_upload `data` (a FIFO),
# for the CLI outcome tests. For each STEP it waits for the first byte of an
# upload, applies the STEP to the fixture, then reads the whole 0x200 image
# (its size is in the header) into WORK/upload.N; WORK/uploads.log gets a
# line per upload as soon as it starts. Images are larger than a
# pipe, so tdxctl cannot finish writing (and look at the outcome) before the
# step is applied.
#   fake-kernel.py ROOT WORK STEP...
#   STEP: version=X.Y.ZZ (success, one slot used) | lost (version reads
#         ENXIO) | hang (status stays "transferring") | signal (SIGINT,
#         SIGTERM and SIGHUP to the writer); join several with "+"
import os
import signal
import socket
import struct
import sys

PAGE = 4096


def read_exactly(fd, n):
    out = bytearray()
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


def writers_of(path):
    """PIDs (other than ours) holding path open: the uploading tdxctl."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == path for fd in fds):
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def apply_step(step, host, fw, work):
    if "+" in step:
        for part in step.split("+"):
            apply_step(part, host, fw, work)
    elif step == "signal":
        pids = writers_of(f"{fw}/data")
        for pid in pids:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                os.kill(pid, sig)
        with open(f"{work}/uploads.log", "a") as f:
            f.write(f"signalled {len(pids)}\n")
    elif step.startswith("version="):
        with open(f"{host}/version", "w") as f:
            f.write(step.split("=", 1)[1] + "\n")
        with open(f"{host}/num_remaining_updates") as f:
            left = int(f.read())
        with open(f"{host}/num_remaining_updates", "w") as f:
            f.write(f"{left - 1}\n")
    elif step == "lost":
        os.unlink(f"{host}/version")
        socket.socket(socket.AF_UNIX).bind(f"{host}/version")
    elif step == "hang":
        with open(f"{fw}/status", "w") as f:
            f.write("transferring\n")
    else:
        raise ValueError(step)


def main():
    root, work, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
    host = f"{root}/devices/faux/tdx_host"
    fw = f"{host}/firmware/tdx_module"
    # O_RDWR: a FIFO that never reports end-of-file between uploads.
    fd = os.open(f"{fw}/data", os.O_RDWR)
    for n, step in enumerate(steps, 1):
        first = read_exactly(fd, 1)
        # Logged before the step, so before tdxctl can see any outcome.
        with open(f"{work}/uploads.log", "a") as f:
            f.write(f"{n} {step}\n")
        apply_step(step, host, fw, work)
        header = first + read_exactly(fd, PAGE - 1)
        sig_pages, mod_pages = struct.unpack_from("<II", header, 12)
        rest = read_exactly(fd, (sig_pages + mod_pages) * PAGE)
        with open(f"{work}/upload.{n}", "wb") as f:
            f.write(header + rest)


main()
