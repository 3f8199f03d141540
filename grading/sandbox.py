"""Where a submission's code runs when it is graded: as a user of its own, seeing only its course copy.

The grader (root, as in a container, in CI or under `sudo make grade`) never runs student code itself.
Every process of a submission is started through a Sandbox, which gives it:

- a user id of its own (a numeric uid that no account and no running process has), so that it can
  neither signal nor read the grader (another uid: no kill, no /proc/PID/mem, no pidfd_getfd) nor the
  other submissions, and cannot write the course, the venv or anything of the grader's;
- where the kernel allows it ("namespaces" mode: `unshare` of util-linux): new mount, PID and network
  namespaces and a new root that holds only the system's /usr and /etc, the Python it runs, the venv,
  its read-only course copy, a fresh /tmp and a writable results folder. The repository (solutions/,
  grading/, tests/, .git), the grader's files and the other submissions do not exist there, and every
  process the code started dies with the command (the PID namespace ends with its first process);
- elsewhere ("user" mode, a container that forbids namespaces, e.g. Gradescope's): the uid alone; the
  grader then refuses to grade until `check_secrets` finds that this user cannot read a secret;
- after every command, `kill_all` kills whatever still runs under its uid (a daemon that forked and
  called setsid, a process that left its group, which a timeout's kill would miss), so nothing of one
  submission outlives it. Each worker of a submission has a uid of its own, so that this never kills
  a worker still running beside it.

Limits (memory per process, processes per uid) are set by the caller's preexec_fn and inherited.
"""

import os
import secrets
import shutil
import subprocess
import sys
import threading
from pathlib import Path

FIRST_UID = 3_000_000_000  # far above any account a system creates, below the kernel's 2**32 - 1
IN_COURSE = "/course"  # where the course copy is, inside the sandbox
IN_RESULTS = "/results"  # the command's writable folder, inside the sandbox
TMP_SIZE = "2g"  # the sandbox's /tmp is memory: a submission cannot fill the disk

# The mounts of "namespaces" mode, run by root inside the new namespaces before dropping to the uid.
# $1 the new root (an empty folder), $2 the uid, $3 the course copy, $4 the results folder, $5 a
# colon-separated list of folders to show read-only at their own paths (the Python, the venv, data);
# the command follows.
SETUP = r"""
set -eu
root=$1 uid=$2 course=$3 results=$4 shown=$5
shift 5
mount --make-rprivate /
mount -t tmpfs -o mode=0755,size=16m sandbox "$root"
for top in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$top" ]; then ln -s "$(readlink "/$top")" "$root/$top";
  elif [ -d "/$top" ]; then mkdir "$root/$top"; mount --rbind -o ro "/$top" "$root/$top"; fi
done
for top in usr etc; do mkdir "$root/$top"; mount --rbind -o ro "/$top" "$root/$top"; done
mkdir "$root/dev" "$root/proc" "$root/tmp"
for node in null zero random urandom; do
  touch "$root/dev/$node" && mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir "$root/dev/shm" && mount -t tmpfs -o mode=1777,size=64m shm "$root/dev/shm"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777,size=__TMP_SIZE__ tmp "$root/tmp"
IFS=:
for dir in $shown; do
  [ -n "$dir" ] || continue
  mkdir -p "$root$dir" && mount --rbind -o ro "$dir" "$root$dir"
done
unset IFS
mkdir -p "$root__IN_COURSE__" "$root__IN_RESULTS__"
mount --rbind -o ro "$course" "$root__IN_COURSE__"
mount --bind "$results" "$root__IN_RESULTS__"
ip link set lo up 2>/dev/null || true
exec chroot "$root" setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
  --inh-caps=-all --bounding-set=-all -- "$@"
"""
SETUP = (
    SETUP.replace("__TMP_SIZE__", TMP_SIZE)
    .replace("__IN_COURSE__", IN_COURSE)
    .replace("__IN_RESULTS__", IN_RESULTS)
)


class SandboxError(RuntimeError):
    """Grading cannot isolate a submission here; the message says why and what to do."""


def namespaces_work():
    """True if this process may create the namespaces of "namespaces" mode (root, outside a strict
    container)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = ["unshare", "--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def uid_in_use(uid):
    """True if an account or a running process has this uid."""
    with open("/etc/passwd", encoding="utf-8", errors="replace") as f:
        if any(line.split(":")[2:3] == [str(uid)] for line in f):
            return True
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        uids = next((line.split()[1:] for line in text.splitlines() if line.startswith("Uid:")), [])
        if str(uid) in uids:
            return True
    return False


def free_uid(start):
    """The first uid from `start` on that no account and no process has."""
    uid = start
    while uid_in_use(uid):
        uid += 1
    return uid


class Uids:
    """Fresh uids, one per call of take(): none that an account, a process or an earlier call has."""

    def __init__(self, start=None):
        self.next = FIRST_UID + secrets.randbelow(2**20) if start is None else start
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            uid = free_uid(self.next)
            self.next = uid + 1
            return uid


class Sandbox:
    """Commands of one submission: run as `uid`, with `course` (read-only) as their course.

    mode: "namespaces" or "user" (see the module docstring); shown: folders the command needs to see
    read-only at their own paths in "namespaces" mode (the Python and the venv are always shown).
    """

    def __init__(self, course, uid, mode, shown=(), scratch=None):
        self.course, self.uid, self.mode = Path(course), uid, mode
        self.shown = [sys.base_prefix, sys.prefix, *map(str, shown)]
        self.scratch = Path(scratch or course).parent / f".root-{uid}"
        self.scratch.mkdir(mode=0o700, exist_ok=True)

    @property
    def course_inside(self):
        """The course copy's path as the sandboxed command sees it."""
        return Path(IN_COURSE) if self.mode == "namespaces" else self.course

    def results_inside(self, results):
        return Path(IN_RESULTS) if self.mode == "namespaces" else Path(results)

    def environment(self, home, extra=None):
        """The whole environment of a sandboxed command: nothing of the grader's comes in."""
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "USER": "student",
            "LOGNAME": "student",
            "LANG": "C.UTF-8",
            "PYTHONUTF8": "1",
            "PYTHONIOENCODING": "utf-8",
            "MPLCONFIGDIR": f"{home}/matplotlib",
            "MPLBACKEND": "Agg",
        }
        env.update(extra or {})
        return env

    def command(self, argv, results, env=None, uid=None):
        """The argv (to run as root) that runs `argv` in the sandbox, as `uid` (the sandbox's by
        default), with `results` writable.

        `results` is a folder of the grader's; it is given to the uid. `env` adds to the environment.
        """
        results = Path(results)
        uid = self.uid if uid is None else uid
        os.chown(results, uid, uid)
        os.chmod(results, 0o700)
        if self.mode == "namespaces":
            home = "/tmp"
            inner = ["env", "-i", "-C", IN_COURSE, *self._assignments(home, env), *argv]
            return [
                "unshare", "--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child", "--",
                "sh", "-c", SETUP, "sandbox", str(self.scratch), str(uid), str(self.course),
                str(results), ":".join(self.shown), *inner,
            ]  # fmt: skip
        home = results / ".home"
        home.mkdir(exist_ok=True)
        os.chown(home, uid, uid)
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
        return [*drop, "--", "env", "-i", "-C", str(self.course), *self._assignments(home, env), *argv]

    def _assignments(self, home, env):
        return [f"{k}={v}" for k, v in self.environment(home, env).items()]

    def python(self, code_or_module, *args, module=True):
        """argv of the venv's Python in isolated mode (no PYTHON* variables, no user site, no current
        folder on the path), with the course copy first on the import path."""
        course = str(self.course_inside)
        start = f"import sys; sys.path.insert(0, {course!r}); "
        if module:
            start += (
                f"import runpy; runpy.run_module({code_or_module!r}, run_name='__main__', alter_sys=True)"
            )
        else:
            start += code_or_module
        return [sys.executable, "-I", "-c", start, *map(str, args)]

    def kill_all(self, uid=None):
        """Kill every process of `uid` (the sandbox's by default), wherever it runs (twice: one may fork
        meanwhile)."""
        uid = self.uid if uid is None else uid
        for _ in range(2):
            subprocess.run(
                ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--",
                 sys.executable, "-I", "-S", "-c",
                 "import os, signal\ntry: os.kill(-1, signal.SIGKILL)\nexcept ProcessLookupError: pass"],
                capture_output=True,
            )  # fmt: skip

    def cleanup(self):
        self.kill_all()
        shutil.rmtree(self.scratch, ignore_errors=True)


def readable_by(uid, path):
    """True if user `uid` could read `path` (a folder: list it), outside any namespace."""
    probe = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    probe += ["sh", "-c", 'test -r "$1" && { [ ! -d "$1" ] || ls "$1" >/dev/null; }', "probe", str(path)]
    return subprocess.run(probe, capture_output=True).returncode == 0


def readiness(mode, uid, secrets, interpreter=sys.executable):
    """Refuse to grade (SandboxError) where a submission could not be isolated.

    Grading needs root. In "user" mode, the submission's user must be able to run the course's Python
    and unable to read any of `secrets`; in "namespaces" mode the secrets do not exist in the sandbox.
    """
    if os.geteuid() != 0:
        raise SandboxError(
            "grading runs each submission as a user of its own, which needs root: run it as root "
            "(sudo make grade ..., or in a container); the student's code never runs as root"
        )
    if mode == "namespaces":
        return
    if not readable_by(uid, interpreter):
        raise SandboxError(
            f"the grading user cannot run {interpreter} (a folder above it is closed to other users, as "
            "/root is): install the course's Python where every user may read it, or grade where "
            "namespaces work"
        )
    leaks = [str(p) for p in secrets if Path(p).exists() and readable_by(uid, p)]
    if leaks:
        raise SandboxError(
            f"the grading user could read {', '.join(leaks)}: make them readable by their owner only "
            "(chmod -R go-rwx), or grade where namespaces work"
        )
