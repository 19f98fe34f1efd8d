"""Persistence with ``--data FILE``: what was acknowledged survives a crash and a restart.

The sandbox runs as a real process (``python -m mockscim serve --port 0 --no-auth --data FILE``).
A thread sends a burst of creates and PATCHes; the process is killed with SIGKILL in the middle;
it is started again on the same file. Every write that got its 201/204 before the kill must be
there, and the file must be complete JSON (it is rewritten through a temporary file and a rename,
so a crash leaves the old file or the new one). ``MOCKSCIM_KILL_ROUNDS`` sets how many times
(default 3).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
from flask.testing import FlaskClient
from test_concurrency import Sandbox, sandbox

from mockscim import Fixtures, Profile, Tenant, create_app
from mockscim.dialect.attributes import WORKSPACE

USERS = "/SAAS/jersey/manager/api/scim/Users"
ROUNDS = int(os.environ.get("MOCKSCIM_KILL_ROUNDS", "3"))


def find(root: str, filter_text: str) -> list[dict[str, Any]]:
    reply = requests.get(root + USERS, params={"filter": filter_text, "count": "1000"}, timeout=10)
    reply.raise_for_status()
    found: list[dict[str, Any]] = reply.json()["Resources"]
    return found


def user_id(root: str, user_name: str) -> str:
    (user,) = find(root, f'userName eq "{user_name}"')
    uid: str = user["id"]
    return uid


def stray_files(folder: Path, data: Path) -> list[str]:
    """Everything in the folder but the data file: temporary files left behind."""
    return sorted(p.name for p in folder.iterdir() if p != data)


class Burst(threading.Thread):
    """Creates and PATCHes, one after the other, until the server goes away or ``limit``."""

    def __init__(self, root: str, tag: str, patch_id: str, limit: int = 2000) -> None:
        super().__init__(daemon=True)
        self.root, self.tag, self.patch_id, self.limit = root, tag, patch_id, limit
        self.created: list[str] = []  # userNames acknowledged with 201
        self.emails: list[str] = []  # emails acknowledged with 204
        self.unacknowledged: list[str] = []
        self.other: list[str] = []

    @property
    def acknowledged(self) -> int:
        return len(self.created) + len(self.emails)

    def run(self) -> None:
        session = requests.Session()
        for i in range(self.limit):
            if i % 2 == 0:
                name = f"{self.tag}.{i}"
                method, path, body, ok = "POST", USERS, {"userName": name}, 201
            else:
                name = f"{self.tag}.{i}@kill.example"
                method, path, ok = "PATCH", f"{USERS}/{self.patch_id}", 204
                body = {"emails": [{"value": name}]}
            try:
                reply = session.request(method, self.root + path, json=body, timeout=10)
            except requests.RequestException:
                self.unacknowledged.append(name)  # in flight when the process died
                return
            if reply.status_code != ok:
                self.other.append(f"{method} {name}: {reply.status_code} {reply.text[:200]}")
            elif method == "POST":
                self.created.append(name)
            else:
                self.emails.append(name)


def test_sigkill_in_the_middle_of_a_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    rng = random.Random(7)
    acknowledged = survived = in_flight_kept = 0
    strays_seen: list[str] = []  # cumulative: nothing removes them
    for round_no in range(ROUNDS):
        running = Sandbox(("--no-auth", "--data", str(data))).start()
        try:
            jdoe = user_id(running.url, "jdoe")
            burst = Burst(running.url, f"kill.r{round_no}", jdoe)
            burst.start()
            target = rng.randint(15, 60)
            deadline = time.monotonic() + 20
            while burst.acknowledged < target and burst.is_alive():
                assert time.monotonic() < deadline, "the burst is too slow"
                time.sleep(0.002)
        finally:
            running.kill()
        burst.join(timeout=15)
        assert burst.other == []
        assert json.loads(data.read_text("utf-8"))["users"]  # complete JSON, users in it
        strays_seen = stray_files(tmp_path, data)
        with sandbox("--no-auth", "--data", str(data)) as again:
            names = {u["userName"] for u in find(again.url, f'userName sw "kill.r{round_no}."')}
            emails = {
                e["value"] for e in find(again.url, 'userName eq "jdoe"')[0].get("emails", [])
            }
        missing = [n for n in burst.created if n not in names]
        missing += [e for e in burst.emails if e not in emails]
        assert missing == [], f"round {round_no}: acknowledged but lost: {missing}"
        acknowledged += burst.acknowledged
        survived += burst.acknowledged - len(missing)
        in_flight_kept += sum(n in names or n in emails for n in burst.unacknowledged)
    print(
        f"\nSIGKILL: {ROUNDS} kills in the middle of a burst; {survived}/{acknowledged} "
        f"acknowledged writes survived; {in_flight_kept} of {ROUNDS} in-flight writes were kept "
        f"(either is fine); temporary files left next to the data file after the kills: "
        f"{len(strays_seen)}"
    )


def test_a_data_file_survives_a_normal_restart(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        root = running.url
        created = requests.post(
            root + USERS, json={"userName": "kept.user", "password": "S3cret!x"}, timeout=10
        )
        assert created.status_code == 201
        jdoe = user_id(root, "jdoe")
        patched = requests.patch(
            f"{root}{USERS}/{jdoe}", json={"title": "After restart"}, timeout=10
        )
        assert patched.status_code == 204
        victim = user_id(root, "mgarcia")
        assert requests.delete(f"{root}{USERS}/{victim}", timeout=10).status_code == 204
        version = requests.get(f"{root}{USERS}/{jdoe}", timeout=10).headers["ETag"]
        before = requests.get(root + USERS, params={"count": "1000"}, timeout=10).json()
        running.stop()  # SIGTERM
    assert json.loads(data.read_text("utf-8"))["users"]
    with sandbox("--no-auth", "--data", str(data)) as again:
        root = again.url
        after = requests.get(root + USERS, params={"count": "1000"}, timeout=10).json()
        assert find(root, 'userName eq "kept.user"')
        assert find(root, 'userName eq "mgarcia"') == []
        reread = requests.get(f"{root}{USERS}/{jdoe}", timeout=10)
        assert reread.json()["title"] == "After restart"
        assert reread.headers["ETag"] == version
        login = requests.post(
            root + "/SAAS/API/1.0/REST/auth/system/login",
            json={"username": "kept.user", "password": "S3cret!x"},
            timeout=10,
        )
        assert login.status_code == 200  # the password was kept too
    strip = [{k: v for k, v in u.items() if k != "meta"} for u in before["Resources"]]
    assert strip == [{k: v for k, v in u.items() if k != "meta"} for u in after["Resources"]]
    assert stray_files(tmp_path, data) == []


def test_temporary_files_do_not_pile_up(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        jdoe = user_id(running.url, "jdoe")
        burst = Burst(running.url, "many", jdoe, limit=120)
        burst.run()
        assert burst.acknowledged == 120 and burst.other == []
        # While it runs, the change log is beside the file; a stop folds it in and removes it.
        assert stray_files(tmp_path, data) == [data.name + "+changes"]
        running.stop()
    assert stray_files(tmp_path, data) == []


def test_a_restart_removes_temporary_files_left_by_a_crash(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)):
        pass
    # What a SIGKILL between mkstemp and os.replace leaves (the same name pattern).
    leftover = tmp_path / ".tenant.json.k1ll3d_x"
    leftover.write_text(data.read_text("utf-8")[:1000], "utf-8")
    with sandbox("--no-auth", "--data", str(data)):
        pass
    assert stray_files(tmp_path, data) == []


def _local_only(fixtures: Fixtures) -> Fixtures:
    users = [
        u
        for u in fixtures.users
        if u[WORKSPACE]["internalUserType"] == "LOCAL"
        and "manager" not in u.get("urn:scim:schemas:extension:enterprise:1.0", {})
    ][:3]
    return Fixtures(fixtures.directories, users, fixtures.clients)


def test_deleting_every_user_survives_a_restart(default_fixtures: Fixtures, tmp_path: Path) -> None:
    fixtures = _local_only(default_fixtures)
    data = str(tmp_path / "tenant.json")
    tenant = Tenant(fixtures, data_path=data, profile=Profile(auth_required=False))
    client = create_app(tenant).test_client()
    for uid in tenant.store.ids():
        assert client.delete(f"{USERS}/{uid}").status_code == 204
    assert len(tenant.store) == 0
    assert len(Tenant(fixtures, data_path=data).store) == 0


def _create(client: FlaskClient, body: bytes) -> int:
    return client.post(USERS, data=body, content_type="application/json").status_code


def test_one_bad_string_does_not_stop_a_data_sandbox_from_writing(
    default_fixtures: Fixtures, tmp_path: Path
) -> None:
    data = str(tmp_path / "tenant.json")
    tenant = Tenant(default_fixtures, data_path=data, profile=Profile(auth_required=False))
    app = create_app(tenant)
    client = app.test_client()
    first = _create(client, b'{"userName": "bad.string\\ud800"}')
    assert first in (400, 201), first
    assert _create(client, b'{"userName": "after.the.bad.one"}') == 201
    again = Tenant(default_fixtures, data_path=data)
    assert again.store.id_for_username("after.the.bad.one") is not None


def changes_of(data: Path) -> Path:
    """The change log beside ``data`` (``tenant/changelog.py``)."""
    return data.with_name(data.name + "+changes")


def test_a_kill_after_acknowledged_writes_is_replayed_from_the_change_log(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        root = running.url
        made = requests.post(root + USERS, json={"userName": "logged.user"}, timeout=10)
        assert made.status_code == 201
        jdoe = user_id(root, "jdoe")
        patched = requests.patch(f"{root}{USERS}/{jdoe}", json={"title": "Logged"}, timeout=10)
        assert patched.status_code == 204
        victim = user_id(root, "mgarcia")
        assert requests.delete(f"{root}{USERS}/{victim}", timeout=10).status_code == 204
        # Acknowledged: in the log (a line a document: the delete also leaves a group); the file
        # itself was not rewritten.
        assert len(changes_of(data).read_bytes().splitlines()) >= 3
        assert "logged.user" not in data.read_text("utf-8")
    # sandbox() ends with SIGKILL: no stop, no compaction.
    with sandbox("--no-auth", "--data", str(data)) as again:
        root = again.url
        assert find(root, 'userName eq "logged.user"')
        assert find(root, 'userName eq "jdoe"')[0]["title"] == "Logged"
        assert find(root, 'userName eq "mgarcia"') == []
        assert not changes_of(data).exists()  # folded into the file at the start
    assert "logged.user" in data.read_text("utf-8")


def test_a_torn_last_line_of_the_change_log_is_dropped_at_the_start(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        made = requests.post(running.url + USERS, json={"userName": "whole.line"}, timeout=10)
        assert made.status_code == 201
    with changes_of(data).open("ab") as log:  # a write cut short by the kill
        log.write(b'{"op":"put","table":"users","key":"900","doc":{"userName":"cut.sh')
    with sandbox("--no-auth", "--data", str(data)) as again:
        assert find(again.url, 'userName eq "whole.line"')
        assert find(again.url, 'userName sw "cut"') == []


def test_a_damaged_change_log_stops_the_start_naming_the_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        for name in ("one", "two"):
            made = requests.post(running.url + USERS, json={"userName": name}, timeout=10)
            assert made.status_code == 201
    lines = changes_of(data).read_bytes().splitlines(keepends=True)
    changes_of(data).write_bytes(b"garbage\n" + lines[1])
    done = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"mockscim: {changes_of(data)}, line 1: not a change")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_stop_leaves_the_file_alone_and_it_reloads_to_the_same_tenant(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    running = Sandbox(("--no-auth", "--data", str(data))).start()
    try:
        jdoe = user_id(running.url, "jdoe")
        Burst(running.url, "stop", jdoe, limit=40).run()
        before = requests.get(running.url + USERS, params={"count": "1000"}, timeout=10).json()
        assert changes_of(data).exists()
    finally:
        running.stop()  # SIGTERM: the log folded into the file, and removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenant.json"]
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "tenant.json").write_bytes(data.read_bytes())
    with sandbox("--no-auth", "--data", str(alone / "tenant.json")) as again:
        after = requests.get(again.url + USERS, params={"count": "1000"}, timeout=10).json()
    assert without_location(after) == without_location(before)


def without_location(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The users as listed, less ``meta.location`` (it names the port, new at each start)."""
    return [
        {**u, "meta": {k: v for k, v in u["meta"].items() if k != "location"}}
        for u in listing["Resources"]
    ]


def test_the_control_api_reset_with_data_goes_back_to_the_fixtures_and_stays(
    tmp_path: Path,
) -> None:
    """A reset re-installs the fixtures (a --data store keeps no undo log): the file is rewritten
    with them at once, so a kill right after it keeps the reset."""
    data = tmp_path / "tenant.json"
    with sandbox("--no-auth", "--data", str(data)) as running:
        root = running.url
        fresh = requests.get(root + USERS, params={"count": "1000"}, timeout=10).json()
        assert requests.post(root + USERS, json={"userName": "gone"}, timeout=10).ok
        victim = user_id(root, "mgarcia")
        assert requests.delete(f"{root}{USERS}/{victim}", timeout=10).status_code == 204
        assert requests.post(root + "/_mockscim/reset", timeout=10).status_code == 204
        assert not changes_of(data).exists()
        reset = requests.get(root + USERS, params={"count": "1000"}, timeout=10).json()
    with sandbox("--no-auth", "--data", str(data)) as again:
        after = requests.get(again.url + USERS, params={"count": "1000"}, timeout=10).json()
    assert find_names(after) == find_names(reset) == find_names(fresh)
    assert "gone" not in find_names(after) and "mgarcia" in find_names(after)


def find_names(listing: dict[str, Any]) -> list[str]:
    return [u["userName"] for u in listing["Resources"]]
