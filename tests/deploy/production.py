"""The files under deploy/ made to run on loopback, as the operations guide sets them up on a server.

Each file is used as shipped, with the server's paths, ports and names replaced by this test's:
the unit's own command line starts gunicorn and the dispatcher, the site file is nginx's, the
environment comes from the template, sourced by a shell as deploy/portal-flask does.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"


def server_places(scratch: Path, app_port: int) -> dict[str, str]:
    """A server's path (or address) -> this test's, longest first (docs/operations.md's layout)."""
    return {
        "/etc/family-portal/portal.env": str(scratch / "portal.env"),
        "/opt/family-portal/venv": str(ROOT / ".venv"),
        "/opt/family-portal/src": str(ROOT),
        "/var/log/family-portal": str(scratch / "log"),
        "/var/lib/family-portal": str(scratch / "state"),
        "/var/backups/family-portal": str(scratch / "backups"),
        "/run/family-portal": str(scratch / "run"),
        "127.0.0.1:8000": f"127.0.0.1:{app_port}",
    }


def here(text: str, places: dict[str, str]) -> str:
    for server, local in places.items():
        text = text.replace(server, local)
    return text


@dataclass
class Unit:
    """One systemd unit's [Service] lines that matter for running it by hand."""

    path: Path
    settings: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, name: str) -> Unit:
        unit = cls(DEPLOY / "systemd" / name)
        for line in unit.path.read_text().splitlines():
            if "=" in line and not line.startswith(("#", "[")):
                key, value = line.split("=", 1)
                unit.settings.setdefault(key.strip(), []).append(value.strip())
        return unit

    def one(self, key: str) -> str:
        [value] = self.settings[key]
        return value

    def command(self, places: dict[str, str]) -> list[str]:
        return [here(part, places) for part in shlex.split(self.one("ExecStart"))]

    def environment(self, places: dict[str, str]) -> dict[str, str]:
        pairs = [part.split("=", 1) for value in self.settings.get("Environment", [])
                 for part in shlex.split(value)]
        return {key: here(value, places) for key, value in pairs}


def fill_template(values: dict[str, str]) -> str:
    """deploy/portal.env.example with `values` put in (commented-out settings too, uncommented)."""
    lines = []
    for line in (DEPLOY / "portal.env.example").read_text().splitlines():
        match = re.match(r"#?(PORTAL_[A-Z_]+)=", line)
        if match and match.group(1) in values:
            line = f"{match.group(1)}={shlex.quote(values[match.group(1)])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def sourced(env_file: Path) -> dict[str, str]:
    """What a shell that sources the file exports (as deploy/portal-flask does), PORTAL_* only."""
    out = subprocess.run(["sh", "-c", 'set -a; . "$0"; set +a; env -0', str(env_file)],
                         capture_output=True, check=True, env={"PATH": os.environ["PATH"]}).stdout
    pairs = (item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    return {key: value for key, value in pairs if key.startswith("PORTAL_")}


def site_on_loopback(https_port: int, http_port: int, app_port: int, cert: Path, key: Path,
                     logs: Path) -> str:
    """deploy/nginx/family-portal.conf on this test's ports, certificate and log folder (loopback only)."""
    site = (DEPLOY / "nginx" / "family-portal.conf").read_text()
    replacements = [
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),
        (r"listen 443 ", f"listen 127.0.0.1:{https_port} "),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"/etc/letsencrypt/live/portal\.example\.org/fullchain\.pem", str(cert)),
        (r"/etc/letsencrypt/live/portal\.example\.org/privkey\.pem", str(key)),
        (r"/var/log/nginx", str(logs)),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count, f"the nginx site has no {pattern!r} any more: update this test"
    return site


class Nginx:
    """Debian's nginx with a main file of its own (the site included as sites-enabled/ would be)."""

    def __init__(self, folder: Path, site: str) -> None:
        self.folder = folder
        (folder / "temp").mkdir(parents=True)
        (folder / "family-portal.conf").write_text(site)
        temp = " ".join(f"{kind}_temp_path {folder / 'temp' / kind};"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            f"user root;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
            f"  include {folder / 'family-portal.conf'}; }}\n")
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), *args]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command("-t"), capture_output=True, text=True)

    def body_limit(self) -> int:
        """client_max_body_size in bytes, as nginx reads the configuration (`nginx -T`)."""
        dumped = subprocess.run(self.command("-T"), capture_output=True, text=True, check=True).stdout
        [(number, unit)] = re.findall(r"^\s*client_max_body_size\s+(\d+)([kKmM]?);", dumped, re.MULTILINE)
        return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]

    def start(self, port: int) -> None:
        with (self.folder / "stderr.log").open("ab") as log:
            self.process = subprocess.Popen(self.command("-g", "daemon off;"), stderr=log)
        wait_for_port(port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: the workers finish their requests
            self.process.wait(timeout=20)
            self.process = None


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def negotiated_protocol(port: int, context: ssl.SSLContext) -> str | None:
    """The protocol TLS settles on when a client offers HTTP/2 first (ALPN), as browsers do."""
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        return tls.selected_alpn_protocol()


def systemd_verify(scratch: Path, units: list[Path]) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on the units as shipped, in a root folder where their programs exist
    (the shipped paths under /opt are not on this machine) beside the system's own units."""
    root = scratch / "root"
    for program in ("opt/family-portal/venv/bin/gunicorn", "opt/family-portal/venv/bin/flask",
                    "opt/family-portal/src/deploy/backup.sh", "bin/kill"):
        path = root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    system = root / "usr" / "lib" / "systemd"
    system.mkdir(parents=True)
    subprocess.run(["cp", "-r", "/usr/lib/systemd/system", str(system)], check=True)
    installed = root / "etc" / "systemd" / "system"
    installed.mkdir(parents=True)
    for unit in units:
        (installed / unit.name).write_text(unit.read_text())
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}",
                           *(str(installed / unit.name) for unit in units)], capture_output=True, text=True)


def systemd_exposure(scratch: Path, service: str) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze security` on a unit verified by systemd_verify() (same root): fails above 2.0
    of 10, where systemd's own verdict stops being "OK"."""
    root = scratch / "root"
    unit = root / "etc" / "systemd" / "system" / service
    return subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--root={root}", "--threshold=20",
                           str(unit)], capture_output=True, text=True)


def logrotate_debug(scratch: Path) -> subprocess.CompletedProcess[str]:
    """logrotate's dry run of deploy/logrotate/family-portal (the service user is root's stand-in here)."""
    config = scratch / "logrotate.conf"
    shipped = (DEPLOY / "logrotate" / "family-portal").read_text()
    config.write_text(shipped.replace("family-portal adm", "root adm"))
    return subprocess.run(["logrotate", "--debug", "--state", str(scratch / "logrotate.state"), str(config)],
                          capture_output=True, text=True)
