"""The change log of ``--data FILE`` (``tenant/changelog.py``, ``tenant/data_storage.py``), in
process: replay over the file, a torn last line, a damaged one, compaction at stop and in the
background (the file alone reloads to the same tenant), a reset, the sync modes.

The real process (kill -9, SIGTERM, the control API's reset) is in ``tests/test_persistence.py``.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mockscim import Fixtures, Profile, Tenant, create_app
from mockscim.tenant import data_storage
from mockscim.tenant.changelog import ChangeLog, ChangeLogError, log_path, replay, sync_from_env

USERS = "/SAAS/jersey/manager/api/scim/Users"


def open_tenant(fixtures: Fixtures, data: Path) -> Tenant:
    return Tenant(fixtures, data_path=str(data), profile=Profile(auth_required=False))


def listing(tenant: Tenant) -> list[dict[str, Any]]:
    """Every user as stored (meta included), in creation order."""
    return tenant.users.scan(lambda _: True)


def write_some(tenant: Tenant, tag: str, count: int) -> list[str]:
    """``count`` creates, a PATCH of each and a delete of every third: the ids kept."""
    client = create_app(tenant).test_client()
    kept = []
    for i in range(count):
        made = client.post(USERS, json={"userName": f"{tag}.{i}"})
        assert made.status_code == 201, made.get_data()
        uid = made.get_json()["id"]
        assert client.patch(f"{USERS}/{uid}", json={"title": f"t{i}"}).status_code == 204
        if i % 3 == 2:
            assert client.delete(f"{USERS}/{uid}").status_code == 204
        else:
            kept.append(uid)
    return kept


def crash_copy(data: Path, into: Path) -> Path:
    """The data file and its log as a kill -9 leaves them (the process never closed them)."""
    into.mkdir()
    shutil.copy(data, into / data.name)
    if log_path(data).exists():
        shutil.copy(log_path(data), log_path(into / data.name))
    return into / data.name


def test_a_write_is_in_the_log_and_a_restart_replays_it(
    default_fixtures: Fixtures, tmp_path: Path
) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    kept = write_some(tenant, "replayed", 6)
    lines = log_path(data).read_bytes().splitlines()
    assert len(lines) == 6 + 6 + 2  # creates, PATCHes, deletes: one line each
    assert "replayed.0" not in data.read_text("utf-8")  # the file was not rewritten
    copy = crash_copy(data, tmp_path / "crash")
    again = open_tenant(default_fixtures, copy)
    assert listing(again) == listing(tenant)
    titles = [(again.users.get(uid) or {}).get("title") for uid in kept]
    assert titles == ["t0", "t1", "t3", "t4"]
    assert not log_path(copy).exists()  # folded into the file at the start
    assert "replayed.0" in copy.read_text("utf-8")


def test_a_torn_last_line_is_dropped(default_fixtures: Fixtures, tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    write_some(tenant, "torn", 3)
    before = listing(tenant)
    copy = crash_copy(data, tmp_path / "crash")
    whole = log_path(copy).read_bytes()
    with log_path(copy).open("ab") as log:  # what a kill -9 in the middle of a write leaves
        log.write(b'{"op":"put","table":"users","key":"99","doc":{"id":"half')
    again = open_tenant(default_fixtures, copy)
    assert listing(again) == before
    # A last line that ends but is not JSON (a power loss can leave zeros) is torn too.
    second = tmp_path / "zeros"
    second.mkdir()
    shutil.copy(data, second / data.name)
    log_path(second / data.name).write_bytes(whole + b"\x00\x00\x00\n")
    assert listing(open_tenant(default_fixtures, second / data.name)) == before


def test_a_damaged_line_before_the_last_names_the_file_and_the_line(
    default_fixtures: Fixtures, tmp_path: Path
) -> None:
    data = tmp_path / "tenant.json"
    write_some(open_tenant(default_fixtures, data), "damaged", 2)
    copy = crash_copy(data, tmp_path / "crash")
    lines = log_path(copy).read_bytes().splitlines(keepends=True)
    lines[2] = b'{"op":"put","table":"users"\n'
    log_path(copy).write_bytes(b"".join(lines))
    with pytest.raises(ChangeLogError) as caught:
        open_tenant(default_fixtures, copy)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{log_path(copy)}, line 3: not a change")
    assert isinstance(caught.value, ValueError)  # the CLI's one line and exit 2


def test_a_stop_folds_the_log_into_the_file(default_fixtures: Fixtures, tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    write_some(tenant, "stopped", 5)
    tenant.users.close()
    assert not log_path(data).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenant.json"]
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(data, alone / data.name)  # the file alone, no log beside it
    assert listing(open_tenant(default_fixtures, alone / data.name)) == listing(tenant)
    late = create_app(tenant).test_client().post(USERS, json={"userName": "too.late"})
    assert late.status_code == 500  # the storage is closed: not acknowledged, not kept
    assert tenant.users.id_for_username("too.late") is None


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compact in the background after a few KB of log, whatever the file's size."""
    monkeypatch.setattr(data_storage, "COMPACT_AT_LEAST", 20_000)
    monkeypatch.setattr(data_storage, "COMPACT_FILE_SHARE", 0.0)


@pytest.mark.usefixtures("small_threshold")
def test_the_log_is_compacted_in_the_background(default_fixtures: Fixtures, tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    storage = tenant.users._db.storage
    assert isinstance(storage, data_storage.DataStorage)
    compactions = 0
    original = storage.compact

    def counted() -> bool:
        nonlocal compactions
        done = original()
        compactions += done
        return done

    storage.compact = counted  # type: ignore[method-assign]
    # In rounds, each waiting for the compaction it started: on a quiet machine one compaction
    # can outlast a whole burst of writes, and a burst alone would then see only one.
    for round_ in range(8):
        write_some(tenant, f"background{round_}", 10)
        deadline = time.monotonic() + 20
        while storage._compactor is not None:  # the last one may still run
            assert time.monotonic() < deadline
            time.sleep(0.01)
        if compactions >= 2:
            break
    assert compactions >= 2
    assert storage.log.size < 20_000 + 4000  # what came after the last compaction, at most
    copy = crash_copy(data, tmp_path / "crash")
    assert listing(open_tenant(default_fixtures, copy)) == listing(tenant)
    # The file alone: everything up to the last compaction, nothing after it.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(data, alone / data.name)
    tenant.users.close()
    shutil.copy(data, alone / data.name)
    assert listing(open_tenant(default_fixtures, alone / data.name)) == listing(tenant)


@pytest.mark.usefixtures("small_threshold")
def test_writers_during_background_compactions_lose_nothing(
    default_fixtures: Fixtures, tmp_path: Path
) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    app = create_app(tenant)
    failures: list[str] = []

    def writer(n: int) -> None:
        client = app.test_client()
        for i in range(30):
            made = client.post(USERS, json={"userName": f"w{n}.{i}", "title": "x" * 300})
            if made.status_code != 201:
                failures.append(made.get_data(as_text=True))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    copy = crash_copy(data, tmp_path / "crash")  # the compactor may be running: a crash now
    assert listing(open_tenant(default_fixtures, copy)) == listing(tenant)


def test_a_reset_rewrites_the_file_and_empties_the_log(
    default_fixtures: Fixtures, tmp_path: Path
) -> None:
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    fresh = listing(tenant)
    write_some(tenant, "before.reset", 3)
    tenant.reset()
    assert not log_path(data).exists()
    after = listing(tenant)
    assert [u["userName"] for u in after] == [u["userName"] for u in fresh]
    assert listing(open_tenant(default_fixtures, crash_copy(data, tmp_path / "c"))) == after


def test_replay_is_idempotent_over_a_file_that_holds_the_changes(tmp_path: Path) -> None:
    """A crash after the file's rename and before the log's lines were dropped."""
    log = ChangeLog(tmp_path / "f+changes")
    log.append([("users", "1", {"id": "a"}), ("users", "2", {"id": "b"}), ("users", "1", None)])
    log.append([("users", "2", {"id": "b", "title": "x"})])
    once: dict[str, dict[str, Any]] = {}
    assert replay(log.path, once) == (4, log.size)
    twice = json.loads(json.dumps(once))
    replay(log.path, twice)
    assert twice == once == {"users": {"2": {"id": "b", "title": "x"}}}


def test_the_sync_mode_comes_from_the_environment() -> None:
    assert sync_from_env({}) is False
    assert sync_from_env({"MOCKSCIM_DATA_SYNC": "flush"}) is False
    assert sync_from_env({"MOCKSCIM_DATA_SYNC": "FSYNC"}) is True
    with pytest.raises(ValueError, match="MOCKSCIM_DATA_SYNC=sometimes: must be flush"):
        sync_from_env({"MOCKSCIM_DATA_SYNC": "sometimes"})


@pytest.mark.usefixtures("small_threshold")
def test_fsync_mode_writes_and_compacts_the_same(
    default_fixtures: Fixtures, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKSCIM_DATA_SYNC", "fsync")
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    storage = tenant.users._db.storage
    assert isinstance(storage, data_storage.DataStorage) and storage.log.fsync
    write_some(tenant, "synced", 12)
    assert storage.compact() in (True, False)  # one more, whether or not one is running
    copy = crash_copy(data, tmp_path / "crash")
    assert listing(open_tenant(default_fixtures, copy)) == listing(tenant)


def test_two_compactions_at_once_keep_every_line(
    default_fixtures: Fixtures, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second to finish took its snapshot before the first dropped lines: it is thrown away
    (it would drop lines by offsets of a log that has moved)."""
    data = tmp_path / "tenant.json"
    tenant = open_tenant(default_fixtures, data)
    storage = tenant.users._db.storage
    assert isinstance(storage, data_storage.DataStorage)
    write_some(tenant, "first", 3)
    dump = data_storage._dump
    results: list[bool] = []
    inner = threading.Event()

    def slow_dump(path: Path, tables: dict[str, Any]) -> None:
        if not inner.is_set():  # the outer compaction: another one, and writes, meanwhile
            inner.set()
            write_some(tenant, "during", 3)
            results.append(storage.compact())
            write_some(tenant, "after", 3)
        dump(path, tables)

    monkeypatch.setattr(data_storage, "_dump", slow_dump)
    results.append(storage.compact())
    assert results == [True, False]
    copy = crash_copy(data, tmp_path / "crash")
    assert listing(open_tenant(default_fixtures, copy)) == listing(tenant)


@pytest.mark.parametrize("cache", ["off", "cold", "warm"])
def test_a_start_reads_the_data_file_once(
    default_fixtures: Fixtures, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    """The check of ``--data FILE`` and the store share one read of it (a second read was a
    tenth of a 10,000-user start), with the validated-fixtures cache off, empty or holding it."""
    data = tmp_path / "tenant.json"
    first = open_tenant(default_fixtures, data)
    write_some(first, "once", 3)
    first.users.close()
    if cache == "off":
        monkeypatch.setenv("MOCKSCIM_NO_CACHE", "1")
    else:
        monkeypatch.delenv("MOCKSCIM_NO_CACHE", raising=False)
        monkeypatch.setenv("MOCKSCIM_CACHE_DIR", str(tmp_path / "cache"))
        if cache == "warm":
            open_tenant(default_fixtures, data).users.close()  # the file's bytes remembered
    reads: list[str] = []
    for method in ("read_bytes", "read_text"):
        original = getattr(Path, method)

        def counted(self: Path, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if self == data:
                reads.append(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, counted)
    again = open_tenant(default_fixtures, data)
    assert reads == ["tenant.json"]
    assert listing(again) == listing(first)
