"""A real Elasticsearch 9 for development machines and the test suite.

Elasticsearch is in no Debian or PyPI package; Maven Central carries the real
server as ``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<9.x>:zip``
(no bundled JDK, no x-pack, plain HTTP). This module

* uses ``ELASTICSEARCH_URL`` when set and starts nothing;
* otherwise fetches the newest 9.x zip that resolves (``TRIALDEX_ES_VERSION``
  pins one), caching it outside the repository;
* finds a JDK 21+ (``ES_JAVA_HOME``, ``JAVA_HOME`` or ``/usr/lib/jvm/*``);
* runs the server as an unprivileged user when invoked as root (Elasticsearch
  refuses to run as root), bound to 127.0.0.1 on a free port, with a small
  heap, disk watermarks and GeoIP downloads off;
* waits until the cluster is healthy, and stops it cleanly.

State of the running dev server is kept in ``<cache>/devserver.json`` so that
`trialdex dev-es start` in one shell serves `make test` in another.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core import config
from parsers.errors import ConfigurationError, ServiceError

MAVEN_REPO = config.raw_value("maven_repo") or "https://repo1.maven.org/maven2"
ARTIFACT_PATH = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"
# Maven Central's metadata for this artifact stops listing at 8.x, so the
# releases known to be published are listed here too; newest first wins.
KNOWN_VERSIONS = ("9.5.4", "9.5.3", "9.5.2", "9.5.0", "9.4.6", "9.4.5", "9.3.8", "9.2.8", "9.1.10")
ES_USER = config.raw_value("es_user") or "trialdex-es"
MIN_JAVA = 21
START_TIMEOUT_S = float(config.raw_value("es_start_timeout") or 180)


@dataclass
class DevServer:
    """A running (or configured) Elasticsearch."""

    url: str
    version: str | None = None
    pid: int | None = None
    run_dir: str | None = None
    home: str | None = None
    managed: bool = True  # False when ELASTICSEARCH_URL points elsewhere


def _state_file() -> Path:
    return config.dev_es_state_file()


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _listed_versions() -> list[str]:
    url = f"{MAVEN_REPO}/{ARTIFACT_PATH}/maven-metadata.xml"
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            text = resp.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return []
    return re.findall(r"<version>(9\.\d+\.\d+)</version>", text)


def _download(version: str, dest: Path) -> bool:
    url = f"{MAVEN_REPO}/{ARTIFACT_PATH}/{version}/elasticsearch-{version}.zip"
    tmp = dest.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, tmp.open("wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except (urllib.error.URLError, OSError):
        tmp.unlink(missing_ok=True)
        return False
    if not zipfile.is_zipfile(tmp):
        tmp.unlink(missing_ok=True)
        return False
    tmp.replace(dest)
    return True


def fetch_distribution(log: bool = True) -> tuple[str, Path]:
    """Return (version, zip path) of the newest 9.x that resolves, cached."""
    cache = config.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    pinned = config.raw_value("es_version")
    if pinned:
        candidates = [pinned]
    else:
        candidates = sorted(
            set(KNOWN_VERSIONS) | set(_listed_versions()), key=_version_key, reverse=True
        )
    for version in candidates:
        zip_path = cache / f"elasticsearch-{version}.zip"
        if zip_path.exists():
            return version, zip_path
        if log:
            print(f"dev-es: fetching Elasticsearch {version} from Maven Central ...", flush=True)
        if _download(version, zip_path):
            return version, zip_path
    # Offline: fall back to any cached 9.x.
    cached = sorted(cache.glob("elasticsearch-9.*.zip"), key=lambda p: _version_key(p.stem[14:]))
    if cached:
        return cached[-1].stem[len("elasticsearch-") :], cached[-1]
    raise ServiceError(
        f"could not fetch Elasticsearch 9 ({', '.join(candidates)}) from {MAVEN_REPO} "
        f"and none is cached in {cache}"
    )


def _unpack(version: str, zip_path: Path) -> Path:
    home = config.cache_dir() / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    staging = Path(tempfile.mkdtemp(prefix="unpack-", dir=config.cache_dir()))
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = Path(zf.extract(info, staging))
            # zipfile drops Unix modes; bin/ scripts must stay executable.
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    extracted = staging / f"elasticsearch-{version}"
    for path in [extracted, *extracted.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    extracted.replace(home)
    shutil.rmtree(staging, ignore_errors=True)
    return home


def _java_version(java_home: Path) -> int:
    release = java_home / "release"
    if not release.exists():
        return 0
    match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
    return int(match.group(1)) if match else 0


def find_java() -> Path:
    """A JDK of version 21 or newer."""
    for value in (config.raw_value("es_java_home"), os.environ.get("JAVA_HOME")):
        if value and _java_version(Path(value)) >= MIN_JAVA:
            return Path(value)
    jvms = [p for p in Path("/usr/lib/jvm").glob("*") if p.is_dir() and not p.is_symlink()]
    best = max(jvms, key=_java_version, default=None)
    if best is not None and _java_version(best) >= MIN_JAVA:
        return best
    raise ConfigurationError(
        f"Elasticsearch 9 needs Java {MIN_JAVA}+; set ES_JAVA_HOME to such a JDK "
        "(none found in ES_JAVA_HOME, JAVA_HOME or /usr/lib/jvm)"
    )


MIN_MAP_COUNT = 262144


def _max_map_count() -> int:
    try:
        return int(Path("/proc/sys/vm/max_map_count").read_text())
    except (OSError, ValueError):
        return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(ES_USER)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for child in path.rglob("*"):
        os.chown(child, uid, gid, follow_symlinks=False)


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(
            f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=timeout
        ) as resp:
            body = json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return body.get("status") in ("green", "yellow")


def server_version(client: Any) -> str:
    """The Elasticsearch version of a cluster's nodes.

    Read from the nodes API because the minimal distribution has no
    ``GET /`` handler (its rest-root module is absent), so ``client.info()``
    fails there.
    """
    nodes = client.nodes.info(node_id="_local", filter_path="nodes.*.version")["nodes"]
    return str(next(iter(nodes.values()))["version"])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running() -> DevServer | None:
    """The configured or previously started server, if it answers."""
    external = config.raw_value("elasticsearch_url")
    if external:
        return DevServer(url=external.rstrip("/"), managed=False)
    state = _state_file()
    if not state.exists():
        return None
    try:
        server = DevServer(**json.loads(state.read_text()))
    except (ValueError, TypeError):
        return None
    if server.pid and _pid_alive(server.pid) and healthy(server.url):
        return server
    return None


def start(
    *, heap: str | None = None, max_heap: str | None = None, quiet: bool = False
) -> DevServer:
    """Start a dev server (or return the one already running / configured)."""
    current = running()
    if current is not None:
        return current
    heap = heap or config.raw_value("es_heap") or "512m"
    max_heap = max_heap or config.raw_value("es_max_heap") or "1g"
    return _start_new(heap=heap, max_heap=max_heap, quiet=quiet, record_state=True)


def start_private(*, heap: str = "512m", max_heap: str = "1g", quiet: bool = True) -> DevServer:
    """Start a second, independent server that is not the shared dev server.

    For fault-injection tests that kill and restart a server: it never reads
    or writes the state file, so the shared dev server is left alone. Stop it
    with ``stop(server)``; restart it with ``launch(server, record_state=False)``.
    """
    return _start_new(heap=heap, max_heap=max_heap, quiet=quiet, record_state=False)


def _start_new(*, heap: str, max_heap: str, quiet: bool, record_state: bool) -> DevServer:
    version, zip_path = fetch_distribution(log=not quiet)
    home = _unpack(version, zip_path)
    java = find_java()
    run_dir = Path(
        tempfile.mkdtemp(prefix="es-run-", dir="/var/tmp" if os.geteuid() == 0 else None)
    )
    config = run_dir / "config"
    shutil.copytree(home / "config", config)
    for sub in ("data", "logs", "tmp"):
        (run_dir / sub).mkdir()
    http_port, transport_port = _free_port(), _free_port()
    settings = {
        "cluster.name": "trialdex-dev",
        "node.name": "trialdex-dev-1",
        "path.data": str(run_dir / "data"),
        "path.logs": str(run_dir / "logs"),
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        "discovery.type": "single-node",
        # Test disks here are sometimes nearly full; never go read-only for that.
        "cluster.routing.allocation.disk.threshold_enabled": False,
        # mmap-backed stores are much faster but need vm.max_map_count >= 262144;
        # where the host keeps it lower, fall back to niofs rather than fail.
        "node.store.allow_mmap": _max_map_count() >= MIN_MAP_COUNT,
        "action.destructive_requires_name": False,
    }
    if (home / "modules" / "x-pack-security").exists():
        # The minimal distribution ships security without the analysis module
        # its system index needs; a loopback dev server needs neither.
        settings["xpack.security.enabled"] = False
    if (home / "modules" / "ingest-geoip").exists():
        # Its downloader would try the internet at start.
        settings["ingest.geoip.downloader.enabled"] = False
    (config / "elasticsearch.yml").write_text(
        "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())
    )
    # A keystore made at first start gets auto-configured secure settings that
    # this minimal distribution does not know and refuses; an empty one is fine.
    subprocess.run(
        [str(home / "bin" / "elasticsearch-keystore"), "create"],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java),
            "ES_PATH_CONF": str(config),
        },
        check=True,
        capture_output=True,
    )
    url = f"http://127.0.0.1:{http_port}"
    server = DevServer(url=url, version=version, run_dir=str(run_dir), home=str(home))
    try:
        return launch(
            server, java=java, heap=heap, max_heap=max_heap, quiet=quiet, record_state=record_state
        )
    except ServiceError:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def launch(
    server: DevServer,
    *,
    java: Path | None = None,
    heap: str = "512m",
    max_heap: str = "1g",
    quiet: bool = True,
    record_state: bool = True,
) -> DevServer:
    """Start the server process for a prepared run directory and wait for health.

    Also used to bring a killed server back on the same data and port.
    ``record_state=False`` keeps a private server out of the shared state file.
    """
    assert server.run_dir and server.home
    run_dir, home = Path(server.run_dir), Path(server.home)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_JAVA_HOME": str(java or find_java()),
        "ES_PATH_CONF": str(run_dir / "config"),
        "ES_TMPDIR": str(run_dir / "tmp"),
        "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{max_heap}",
        "LANG": "C.UTF-8",
    }
    user: str | None = None
    if os.geteuid() == 0:
        account = _ensure_user()
        _chown_tree(run_dir, account.pw_uid, account.pw_gid)
        user = account.pw_name
        env["HOME"] = str(run_dir)
    log_path = run_dir / "server.out"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [str(home / "bin" / "elasticsearch")],
            cwd=run_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=user,
            start_new_session=True,
        )
    server.pid = proc.pid
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise ServiceError(
                f"Elasticsearch {server.version} exited with status {proc.returncode} "
                f"at start:\n{tail}"
            )
        if healthy(server.url):
            if record_state:
                _state_file().write_text(json.dumps(asdict(server)))
            if not quiet:
                print(f"dev-es: Elasticsearch {server.version} ready at {server.url}", flush=True)
            return server
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace")[-3000:]
    stop(server)
    raise ServiceError(
        f"Elasticsearch {server.version} did not become healthy in {START_TIMEOUT_S:.0f}s:\n{tail}"
    )


def stop(server: DevServer | None = None, *, keep_data: bool = False) -> bool:
    """Stop a managed server (SIGTERM, then SIGKILL); True if one was stopped."""
    if server is None:
        state = _state_file()
        if not state.exists():
            return False
        try:
            server = DevServer(**json.loads(state.read_text()))
        except (ValueError, TypeError):
            state.unlink(missing_ok=True)
            return False
    if not server.managed or not server.pid:
        return False
    stopped = False
    if _pid_alive(server.pid):
        os.killpg(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _pid_alive(server.pid) and time.monotonic() < deadline:
            _reap(server.pid)
            time.sleep(0.2)
        if _pid_alive(server.pid):
            os.killpg(server.pid, signal.SIGKILL)
        _reap(server.pid)
        stopped = True
    if server.run_dir and not keep_data:
        shutil.rmtree(server.run_dir, ignore_errors=True)
    state = _state_file()
    if state.exists():
        try:
            if json.loads(state.read_text()).get("pid") == server.pid:
                state.unlink()
        except ValueError:
            state.unlink()
    return stopped


def _reap(pid: int) -> None:
    # Our own child stays a zombie (and "alive" to kill 0) until waited for.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def kill_hard(server: DevServer) -> None:
    """SIGKILL the server without cleaning up: for fault-injection tests."""
    if server.pid and _pid_alive(server.pid):
        os.killpg(server.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _pid_alive(server.pid) and time.monotonic() < deadline:
            _reap(server.pid)
            time.sleep(0.1)
