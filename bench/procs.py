"""Processes the benchmark measures and runs: CPU time per server (from /proc), wrk, py-spy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and Path(f"/proc/{text}").exists() else None


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (php-fpm children, php -S workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)] = int(stat[1])
    keep = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if pid not in keep and ppid in keep:
                keep.add(pid)
                grew = True
    return sorted(keep)


def find_by_name(name: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: [state, ppid, …]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all threads), in seconds."""
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat is not None:
            total += int(stat[11]) + int(stat[12])  # utime, stime
    return total / _TICKS


def machine_cpu() -> dict[str, int]:
    """Jiffies from /proc/stat's aggregate line: busy (user+nice+system+irq+softirq), idle+iowait, steal."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return {"busy": user + nice + system + irq + softirq, "idle": idle + iowait, "steal": steal}


@dataclass
class CpuWatch:
    """CPU used by named process groups and by the whole machine between start() and stop()."""

    groups: dict[str, list[int]]

    def start(self) -> None:
        self._before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        self._machine = machine_cpu()

    def stop(self) -> dict[str, Any]:
        after = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        machine = machine_cpu()
        delta = {k: machine[k] - self._machine[k] for k in machine}
        total = sum(delta.values()) or 1
        return {
            "cpu_s": {name: round(after[name] - self._before[name], 3) for name in self.groups},
            "machine_busy_share": round(delta["busy"] / total, 3),
            "machine_steal_share": round(delta["steal"] / total, 3),
        }


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) since it started, in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def wait_ready(url: str, proc: subprocess.Popen[bytes], limit_s: float, log: Path) -> None:
    """Until ``url`` answers 200; fails with the server's log when it exits or does not answer in time."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"[bench] {url}: the server exited ({proc.returncode}): {log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - our own loopback server
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"[bench] {url} did not answer within {limit_s:.0f} s: {log.read_text()[-1500:]}")


# --- wrk ---------------------------------------------------------------------------------------------

def wrk_version() -> str:
    proc = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    return (proc.stdout + proc.stderr).splitlines()[0].strip() if (proc.stdout + proc.stderr) else "unknown"


def run_wrk(url: str, records: Path, *, script: Path, threads: int, connections: int, duration_s: int,
            timeout_s: int = 10) -> dict[str, Any]:
    """One closed-loop saturation run; the Lua script caps it at the records in ``records``."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", f"--timeout={timeout_s}s", "--latency",
           "-s", str(script), url, "--", str(records), str(threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + timeout_s + 60,  # noqa: S603
                          check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:500]} {proc.stdout[-500:]}")
    data: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    data["command"] = " ".join([*cmd[:-2], "RECORDS", str(threads)])
    duration = data["duration_us"] / 1e6
    counts = data["counts"]
    data["duration_s"] = round(duration, 3)
    data["ok_per_s"] = round(counts["ok"] / duration, 1) if duration else 0.0
    # php -S closes every connection after its answer, which wrk counts as a read error although the
    # answer was complete; answered requests are what counts.
    data["latency_ms"] = {k: round(v / 1000, 3) for k, v in data["latency_us"]["percentiles"].items()}
    data["latency_ms"]["max"] = round(data["latency_us"]["max"] / 1000, 3)
    return data


# --- py-spy ------------------------------------------------------------------------------------------

def py_spy() -> str | None:
    """py-spy next to this interpreter (the venv's, from the `bench` extra), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def start_py_spy(exe: str, pid: int, out: Path, fmt: str, duration_s: int, rate: int = 100) -> subprocess.Popen[str]:
    # --nonblocking: sample without pausing the sidecar, so profiling costs it (almost) nothing.
    cmd = [exe, "record", "--pid", str(pid), "--duration", str(duration_s), "--rate", str(rate), "--nonblocking",
           "--format", fmt, "--output", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603


_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _short(frame: str) -> str:
    """'receive (bridge/webhooks/views.py:42)' → 'receive (bridge/webhooks/views.py)': lines folded."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def _package(frame: str) -> str:
    m = _FRAME.match(frame)
    path = m.group("file") if m else frame
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            return rest.split("/", 1)[0].removesuffix(".py")
    if "bridge/" in path:
        return "bridge." + path.split("bridge/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return path


def hot_spots(raw: Path, top: int = 15) -> dict[str, Any]:
    """Self and inclusive shares of the sampled time, per function and per package, from py-spy's raw
    (collapsed-stack) output."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        self_time[_short(frames[-1])] += n
        packages[_package(frames[-1])] += n
        for f in {_short(x) for x in frames}:
            inclusive[f] += n

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"frame": k, "share": round(v / total, 4)} for k, v in counter.most_common(top)] if total else []

    return {"samples": total, "self": share(self_time), "inclusive": share(inclusive), "by_package": share(packages)}
