"""Role synapse, workers: what the role derives from synapse_workers, and what it refuses, without a host.

One ansible-playbook run on localhost includes the role's validate.yml three times (SQLite with workers, a port
used twice, a good worker list) and returns the shared configuration and the routes the role computes; the tests
check them with Python's re as a reverse proxy would match a request path.
"""
import re

import pytest

from tests.support.ansible_run import run_tasks

ROLE = "fedops.rocketchat.synapse"
WORKERS = [
    {"name": "generic", "count": 2, "port": 8083},
    {"name": "sender", "type": "federation_sender"},
    {"name": "media", "type": "media_repository", "port": 8085},
    {"name": "writer", "port": 8090, "replication_port": 9101, "resources": ["client"],
     "stream_writers": ["typing", "events"]},
]
GOOD = {
    "synapse_server_name": "workers.example.org",
    "synapse_database_type": "postgresql",
    "synapse_workers": WORKERS,
}


def _refusal(name, overrides):
    return {
        "name": name,
        "block": [{"name": "validate " + name, "ansible.builtin.include_role": {
            "name": ROLE, "tasks_from": "validate.yml"}, "vars": overrides}],
        "rescue": [{"name": "keep " + name, "ansible.builtin.set_fact": {
            name: "{{ ansible_failed_result.msg }}"}}],
    }


@pytest.fixture(scope="module")
def derived():
    tasks = [
        _refusal("sqlite_msg", {"synapse_database_type": "sqlite"}),
        _refusal("port_msg", {"synapse_workers": WORKERS + [{"name": "late", "port": 8084}]}),
        _refusal("writer_msg", {"synapse_workers": [{"name": "typer", "count": 2, "port": 8083,
                                                     "replication_port": 9101, "stream_writers": ["typing"]}]}),
        {"name": "validate good", "ansible.builtin.include_role": {"name": ROLE, "tasks_from": "validate.yml",
                                                                   "public": True}},
        {"name": "result", "ansible.builtin.set_fact": {
            "out": {"config": "{{ _synapse_config }}", "routes": "{{ synapse_worker_routes }}",
                    "instances": "{{ _synapse_worker_instances }}", "secrets": "{{ _synapse_secrets }}",
                    "pip": "{{ _synapse_pip_packages }}",
                    "sqlite_msg": "{{ sqlite_msg | default('') }}", "port_msg": "{{ port_msg | default('') }}",
                    "writer_msg": "{{ writer_msg | default('') }}"}}},
    ]
    res = run_tasks(tasks, play_vars=GOOD)
    assert res.rc == 0, res.output[-4000:]
    return res.last["ansible_facts"]["out"]


def _route_for(routes, path):
    """The route a proxy picks: the first whose regular expression matches (nginx regex locations, in order)."""
    for route in routes:
        if re.search(route["path"], path):
            return route
    return None


def test_sqlite_is_refused_naming_the_variables(derived):
    msg = derived["sqlite_msg"]
    assert "synapse_workers needs PostgreSQL" in msg
    assert "synapse_database_type" in msg and "postgresql" in msg


def test_a_port_used_twice_is_refused(derived):
    assert "Invalid synapse_workers" in derived["port_msg"]
    assert "no two listeners share a port" in derived["port_msg"]


def test_a_single_writer_stream_with_two_writers_is_refused(derived):
    assert "Invalid synapse_workers" in derived["writer_msg"]


def test_instances_are_numbered_with_consecutive_ports(derived):
    by_name = {w["name"]: w for w in derived["instances"]}
    assert list(by_name) == ["generic1", "generic2", "sender1", "media1", "writer1"]
    assert (by_name["generic1"]["port"], by_name["generic2"]["port"]) == (8083, 8084)
    assert by_name["sender1"]["port"] is None
    assert by_name["media1"]["app"] == "synapse.app.media_repository"
    assert by_name["generic1"]["resources"] == ["client", "federation"]


def test_shared_configuration_follows_the_worker_list(derived):
    config = derived["config"]
    assert config["instance_map"] == {"main": {"host": "127.0.0.1", "port": 9093},
                                      "writer1": {"host": "127.0.0.1", "port": 9101}}
    assert config["stream_writers"] == {"typing": ["writer1"], "events": ["writer1"]}
    assert config["federation_sender_instances"] == ["sender1"]
    assert config["send_federation"] is False
    assert config["enable_media_repo"] is False
    assert config["media_instance_running_background_jobs"] == "media1"
    assert config["redis"] == {"enabled": True, "host": "127.0.0.1", "port": 6379,
                               "password_path": "/etc/matrix-synapse/secrets/redis_password"}
    assert config["worker_replication_secret_path"] == "/etc/matrix-synapse/secrets/worker_replication_secret"
    replication = [lst for lst in config["listeners"] if lst["resources"][0]["names"] == ["replication"]]
    assert replication == [{"port": 9093, "type": "http", "tls": False, "bind_addresses": ["127.0.0.1"],
                            "resources": [{"names": ["replication"], "compress": False}]}]
    for absent in ("pusher_instances", "run_background_tasks_on", "notify_appservices_from_worker"):
        assert absent not in config
    assert [s["name"] for s in derived["secrets"]][-2:] == ["worker_replication_secret", "redis_password"]
    assert "txredisapi==1.5.0" in derived["pip"] and "hiredis==3.5.0" in derived["pip"]


@pytest.mark.parametrize("path, name", [
    ("/_matrix/federation/v1/version", "federation"),
    ("/_matrix/key/v2/query", "federation"),
    ("/_matrix/federation/v1/send/1234", "federation"),
    ("/_matrix/federation/v2/send_join/!r:x/$e", "federation"),
    ("/_matrix/federation/v1/media/download/abc", "media"),
    ("/_matrix/media/v3/download/x.org/abc", "media"),
    ("/_matrix/client/v1/media/thumbnail/x.org/abc", "media"),
    ("/_synapse/admin/v1/purge_media_cache", "media"),
    ("/_matrix/client/v3/rooms/!r:x/typing/@u:x", "stream_typing"),
    ("/_matrix/client/v3/sync", "client"),
    ("/_matrix/client/v3/rooms/!r:x/send/m.room.message/t1", "client"),
    ("/_matrix/client/v3/login", "client"),
    ("/_matrix/client/v3/keys/upload", "client"),
    ("/_matrix/client/versions", "client"),
    # stay with the main process: not in the worker lists, GET-only, or sticky per room
    ("/_matrix/federation/v1/versions", None),
    ("/_matrix/key/v2/server", None),
    ("/_matrix/client/v3/rooms/!r:x/messages", None),
    ("/_matrix/client/v3/pushrules/", None),
    ("/_synapse/admin/v1/register", None),
    ("/health", None),
])
def test_routes_send_each_endpoint_to_the_workers_that_serve_it(derived, path, name):
    route = _route_for(derived["routes"], path)
    assert (route or {}).get("name") == name


def test_route_upstreams(derived):
    routes = {r["name"]: r for r in derived["routes"]}
    assert [r["name"] for r in derived["routes"]] == ["stream_typing", "media", "federation", "client"]
    assert routes["federation"]["upstreams"] == ["http://127.0.0.1:8083", "http://127.0.0.1:8084"]
    assert routes["federation"]["upstream"] == "http://127.0.0.1:8083"
    # the writer has only the client resource: it serves client endpoints, not federation ones
    assert routes["client"]["upstreams"] == ["http://127.0.0.1:8083", "http://127.0.0.1:8084", "http://127.0.0.1:8090"]
    assert routes["media"]["upstreams"] == ["http://127.0.0.1:8085"]
    assert routes["stream_typing"]["upstreams"] == ["http://127.0.0.1:8090"]
