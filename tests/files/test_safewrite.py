import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from kzlod.files import safewrite
from kzlod.files.safewrite import (
    JOURNAL_NAME,
    LOCK_NAME,
    LockTimeout,
    VerificationError,
    project_lock,
    recover,
    write_many_atomic,
    write_text_atomic,
)

FORK = multiprocessing.get_context("fork")


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.rglob("*")
        if p.name.endswith((safewrite.TEMP_SUFFIX, safewrite.BACKUP_SUFFIX)) or p.name == JOURNAL_NAME
    )


# ---------------------------------------------------------------- one file


def test_writes_content_exactly(tmp_path):
    target = tmp_path / "a.ttl"
    text = "line one\nzweite Zeile — ü\n\ttab\r\nend"
    write_text_atomic(target, text)
    assert target.read_bytes() == text.encode("utf-8")
    write_text_atomic(target, "replaced\n")
    assert target.read_text(encoding="utf-8") == "replaced\n"
    assert leftovers(tmp_path) == []
    assert not (tmp_path / LOCK_NAME).exists()  # the lock file is there only while a writer holds it


def test_keeps_file_mode(tmp_path):
    target = tmp_path / "a.ttl"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    write_text_atomic(target, "new\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    os.chmod(target, 0o604)
    write_text_atomic(target, "newer\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604
    assert target.read_text() == "newer\n"


def test_new_file_gets_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "fresh.ttl", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.ttl").st_mode) == 0o640


def test_failing_verify_leaves_file_byte_identical(tmp_path):
    target = tmp_path / "a.ttl"
    original = b"keep \xc3\xa4 me\r\n"
    target.write_bytes(original)
    seen = []

    def verify(text):
        seen.append(text)
        return False

    with pytest.raises(VerificationError):
        write_text_atomic(target, "other\n", verify=verify)
    assert seen == ["other\n"]
    assert target.read_bytes() == original
    assert leftovers(tmp_path) == []


def test_verify_that_raises_propagates_and_writes_nothing(tmp_path):
    target = tmp_path / "a.ttl"
    target.write_text("old\n")

    def verify(text):
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        write_text_atomic(target, "new\n", verify=verify)
    assert target.read_text() == "old\n"


def test_passing_verify_writes(tmp_path):
    target = tmp_path / "a.ttl"
    write_text_atomic(target, "good\n", verify=lambda t: t.endswith("\n"))
    assert target.read_text() == "good\n"


def test_crash_in_replace_leaves_target_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.ttl"
    target.write_text("old\n")

    def boom(src, dst):
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="simulated"):
        write_text_atomic(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ttl"]


def test_crash_during_write_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.ttl"
    target.write_text("old\n")
    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk gone"):
        write_text_atomic(target, "new\n")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_symlink_is_kept(tmp_path):
    real = tmp_path / "real.ttl"
    real.write_text("old\n")
    link = tmp_path / "link.ttl"
    link.symlink_to(real)
    write_text_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_rejects_bytes(tmp_path):
    with pytest.raises(TypeError):
        write_text_atomic(tmp_path / "a.ttl", b"bytes")  # type: ignore[arg-type]
    assert not (tmp_path / "a.ttl").exists()


# ---------------------------------------------------------------- locking


def test_project_lock_is_reentrant(tmp_path):
    with project_lock(tmp_path):
        with project_lock(tmp_path):
            write_text_atomic(tmp_path / "a.ttl", "x\n")
    assert (tmp_path / "a.ttl").read_text() == "x\n"


def _hold_lock(folder, ready, seconds):
    with project_lock(folder):
        ready.set()
        time.sleep(seconds)


def test_project_lock_times_out_while_other_process_holds_it(tmp_path):
    ready = FORK.Event()
    proc = FORK.Process(target=_hold_lock, args=(str(tmp_path), ready, 2.0))
    proc.start()
    try:
        assert ready.wait(10)
        start = time.monotonic()
        with pytest.raises(LockTimeout):
            with project_lock(tmp_path, timeout=0.3):
                pass
        assert time.monotonic() - start >= 0.3
    finally:
        proc.join(10)
    with project_lock(tmp_path, timeout=1):
        pass


def test_lock_timeout_names_the_lock_and_its_holder_and_takes_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOD_LOCK_TIMEOUT", "0.2")
    ready = FORK.Event()
    proc = FORK.Process(target=_hold_lock, args=(str(tmp_path), ready, 2.0))
    proc.start()
    try:
        assert ready.wait(10)
        start = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            write_text_atomic(tmp_path / "a.ttl", "x\n")
        assert 0.2 <= time.monotonic() - start < 1.5
    finally:
        proc.join(10)
    message = caught.value.message
    assert message == (f"{os.path.realpath(tmp_path)}/.kzlod.lock: another writer held this lock (process {proc.pid}) "
                       "for more than 0.2 s (KZLOD_LOCK_TIMEOUT); nothing was changed, try again when it is done")
    assert caught.value.exit_code == 1 and not (tmp_path / "a.ttl").exists()
    assert not (tmp_path / ".kzlod.lock").exists(), "a holder that let go removes it"


def _writer(folder, name, text, rounds, log):
    target = Path(folder) / name
    for _ in range(rounds):
        with project_lock(folder):
            with open(log, "a") as fh:
                fh.write(f"start {os.getpid()}\n")
                fh.flush()
            write_text_atomic(target, text)
            time.sleep(0.002)
            with open(log, "a") as fh:
                fh.write(f"end {os.getpid()}\n")
                fh.flush()


def test_concurrent_writers_serialise(tmp_path):
    texts = ["A" * 200_000 + "\n", "B" * 300_000 + "\n"]
    log = tmp_path / "log.txt"
    procs = [
        FORK.Process(target=_writer, args=(str(tmp_path), "shared.ttl", t, 15, str(log)))
        for t in texts
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert (tmp_path / "shared.ttl").read_text() in texts
    lines = log.read_text().splitlines()
    assert len(lines) == 2 * 2 * 15
    # critical sections never overlap: every start is followed by the end of the same process
    for i in range(0, len(lines), 2):
        kind_a, pid_a = lines[i].split()
        kind_b, pid_b = lines[i + 1].split()
        assert (kind_a, kind_b) == ("start", "end")
        assert pid_a == pid_b
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- several files


def make_files(folder: Path) -> dict[Path, str]:
    (folder / "sub").mkdir()
    files = {folder / "one.ttl": "one old\n", folder / "sub" / "two.ttl": "two old\n"}
    for p, t in files.items():
        p.write_text(t)
    return files


NEW = {"one.ttl": "one NEW\n", "sub/two.ttl": "two NEW\n", "sub/three.ttl": "three NEW\n"}


def test_write_many_writes_all(tmp_path):
    make_files(tmp_path)
    os.chmod(tmp_path / "one.ttl", 0o600)
    write_many_atomic({tmp_path / k: v for k, v in NEW.items()})
    for k, v in NEW.items():
        assert (tmp_path / k).read_text() == v
    assert stat.S_IMODE(os.stat(tmp_path / "one.ttl").st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_write_many_verify_failure_writes_nothing(tmp_path):
    files = make_files(tmp_path)
    with pytest.raises(VerificationError):
        write_many_atomic(
            {tmp_path / k: v for k, v in NEW.items()},
            verify=lambda path, text: "two" not in text,
        )
    for p, t in files.items():
        assert p.read_text() == t
    assert not (tmp_path / "sub" / "three.ttl").exists()
    assert leftovers(tmp_path) == []


def test_write_many_error_during_renames_restores_old(tmp_path, monkeypatch):
    files = make_files(tmp_path)
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        if str(dst).endswith(".ttl"):
            calls.append(dst)
            if len(calls) == 2:
                raise OSError("simulated failure on second rename")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="second rename"):
        write_many_atomic({tmp_path / k: v for k, v in NEW.items()})
    monkeypatch.undo()
    for p, t in files.items():
        assert p.read_text() == t
    assert not (tmp_path / "sub" / "three.ttl").exists()
    assert leftovers(tmp_path) == []


def test_write_many_rejects_target_outside_root(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(ValueError):
        write_many_atomic({tmp_path / "elsewhere.ttl": "x\n"}, root=tmp_path / "data")


def _crashing_update(folder, crash_after):
    """Run write_many_atomic and die (no cleanup at all) before rename number crash_after+1."""
    renamed = []
    real_replace = os.replace

    def dying(src, dst):
        if str(dst).endswith(".ttl"):
            if len(renamed) == crash_after:
                os._exit(17)
            renamed.append(dst)
        return real_replace(src, dst)

    os.replace = dying
    folder = Path(folder)
    write_many_atomic({folder / k: v for k, v in NEW.items()})
    os._exit(0)


def crash(folder: Path, crash_after: int) -> None:
    proc = FORK.Process(target=_crashing_update, args=(str(folder), crash_after))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 17


def test_recover_completes_when_all_temps_exist(tmp_path):
    make_files(tmp_path)
    crash(tmp_path, crash_after=0)
    journal = json.loads((tmp_path / JOURNAL_NAME).read_text())
    assert len(journal["entries"]) == 3
    assert all((tmp_path / e["temp"]).exists() for e in journal["entries"])
    # nothing renamed yet
    assert (tmp_path / "one.ttl").read_text() == "one old\n"
    assert recover(tmp_path) == "completed"
    for k, v in NEW.items():
        assert (tmp_path / k).read_text() == v
    assert leftovers(tmp_path) == []
    assert recover(tmp_path) is None


def test_recover_rolls_back_a_partial_rename(tmp_path):
    files = make_files(tmp_path)
    crash(tmp_path, crash_after=2)
    assert (tmp_path / JOURNAL_NAME).exists()
    # the crash left a mixture of old and new
    contents = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in files}
    assert set(contents.values()) & {"one NEW\n", "two NEW\n"}
    assert recover(tmp_path) == "rolled back"
    for p, t in files.items():
        assert p.read_text() == t
    assert not (tmp_path / "sub" / "three.ttl").exists()
    assert leftovers(tmp_path) == []


def test_recover_sweeps_temps_of_a_crash_before_the_journal(tmp_path):
    files = make_files(tmp_path)
    stray = tmp_path / "sub" / f".two.ttl.abc{safewrite.TEMP_SUFFIX}"
    stray.write_text("half written")
    assert recover(tmp_path) is None
    assert not stray.exists()
    for p, t in files.items():
        assert p.read_text() == t


def test_next_write_many_recovers_first(tmp_path):
    make_files(tmp_path)
    crash(tmp_path, crash_after=1)
    write_many_atomic({tmp_path / "one.ttl": "final\n"}, root=tmp_path)
    assert (tmp_path / "one.ttl").read_text() == "final\n"
    assert (tmp_path / "sub" / "two.ttl").read_text() == "two old\n"
    assert not (tmp_path / "sub" / "three.ttl").exists()
    assert not (tmp_path / JOURNAL_NAME).exists()



def test_a_writer_that_locks_the_file_its_holder_removed_takes_the_lock_at_the_path(tmp_path, monkeypatch):
    """Regression guard for removing the lock file on release: a writer opens the lock file, its
    holder lets go (and removes it) before the writer locks it; the writer must not hold that
    removed file, which a third writer would not see, but the one at the path."""
    import fcntl
    import threading

    from kzlod.files import lock

    held, let_go = threading.Event(), threading.Event()

    def holder():
        with project_lock(tmp_path):
            held.set()
            let_go.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    real_flock, calls = fcntl.flock, []

    def flock_after_the_holder_went(fd, op):
        if op & fcntl.LOCK_EX and not calls:
            calls.append(fd)
            let_go.set()
            thread.join(10)  # the holder removed the file this writer opened, and let go
        return real_flock(fd, op)

    monkeypatch.setattr(lock.fcntl, "flock", flock_after_the_holder_went)
    with project_lock(tmp_path):
        monkeypatch.setattr(lock.fcntl, "flock", real_flock)
        path = tmp_path / LOCK_NAME
        assert path.exists(), "the writer holds the file at the path"
        other = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # a third writer finds it locked
                real_flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    assert calls and not path.exists()
