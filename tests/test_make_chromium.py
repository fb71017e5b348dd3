"""``make test``'s chromium step (.ci/chromium) on a PATH built for each case: present, installed
by apt-get, no apt-get, a failing apt-get. apt-get is faked (the system package manager is the
edge); the script itself runs as ``make`` runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the fake apt-get runs as root")

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / ".ci" / "chromium"
SENTENCE = "The browser tests need Debian's chromium and it could not be installed here"
# apt-get as root: records its arguments, "installs" chromium on `install chromium`.
FAKE_APT = """#!/bin/sh
echo "$@" >> "{log}"
case "$*" in *"install -y -qq chromium"*) printf '#!/bin/sh\\n' > "{bin}/chromium";
    /bin/chmod +x "{bin}/chromium";; esac
exit {code}
"""


def _bin(tmp_path: Path, apt: int | None = None, chromium: bool = False) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").symlink_to(shutil.which("id") or "/usr/bin/id")
    if chromium:
        (bin_dir / "chromium").write_text("#!/bin/sh\n")
        (bin_dir / "chromium").chmod(0o755)
    if apt is not None:
        fake = FAKE_APT.format(log=tmp_path / "apt.log", bin=bin_dir, code=apt)
        (bin_dir / "apt-get").write_text(fake)
        (bin_dir / "apt-get").chmod(0o755)
    return bin_dir


def _run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(SCRIPT)],
        env={"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_present_chromium_is_kept(tmp_path):
    bin_dir = _bin(tmp_path, apt=0, chromium=True)
    done = _run(bin_dir)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "apt.log").exists()


def test_missing_chromium_is_installed_with_apt(tmp_path):
    bin_dir = _bin(tmp_path, apt=0)
    done = _run(bin_dir)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update -qq", "install -y -qq chromium"]
    assert (bin_dir / "chromium").exists()


@pytest.mark.parametrize("apt", [None, 100], ids=["no-apt", "apt-fails"])
def test_without_a_way_to_install_it_stops_with_one_sentence(tmp_path, apt):
    done = _run(_bin(tmp_path, apt=apt))
    assert done.returncode == 1
    assert SENTENCE in done.stderr and "apt-get install chromium" in done.stderr
