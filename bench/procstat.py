"""What the server processes cost, read from /proc (Linux; psutil is not needed for these few figures)."""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TCP_ESTABLISHED = "01"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    """One process at one moment: resident memory, CPU used since it started, WebSockets it holds."""

    rss_kib: int
    cpu_seconds: float
    sockets: int


def _stat_fields(pid: int) -> list[str]:
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2:].split()


def parent_of(pid: int) -> int:
    return int(_stat_fields(pid)[1])


def children_of(pid: int) -> list[int]:
    """Direct children, by scanning every process's parent (no /proc/<pid>/task/*/children on every kernel)."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):  # it ended while we looked
                continue
    return sorted(found)


def command_line(pid: int) -> str:
    return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def daphne_pids() -> list[int]:
    """The daphne processes of the `python -m hub.serve` this process started (bench.common.serving)."""
    serve = [pid for pid in children_of(os.getpid()) if "hub.serve" in command_line(pid)]
    if len(serve) != 1:
        raise RuntimeError(f"expected one hub.serve child of this process, found {len(serve)}")
    return children_of(serve[0])


def pids_named(name: str) -> list[int]:
    """Processes whose command name is `name` (e.g. redis-server), to put their CPU beside the server's."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def rss_kib(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system time since the process started (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def established_inodes(port: int) -> set[int]:
    """Socket inodes of the established TCP connections whose local end is `port`: the server's side of
    every client connection (the clients' side has `port` as its remote end)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        path = PROC / "net" / table
        if not path.exists():
            continue
        with path.open() as rows:
            next(rows)  # header
            for row in rows:
                fields = row.split()
                if fields[3] == TCP_ESTABLISHED and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(int(fields[9]))
    return inodes


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = PROC / str(pid) / "fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(fd_dir / fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def sample(pid: int, port: int, connections: set[int] | None = None) -> Sample:
    """`connections`: established_inodes(port), when sampling several processes at one moment."""
    connections = established_inodes(port) if connections is None else connections
    return Sample(rss_kib=rss_kib(pid), cpu_seconds=cpu_seconds(pid),
                  sockets=len(socket_inodes(pid) & connections))


def cpu_total(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except FileNotFoundError:
            continue
    return total
