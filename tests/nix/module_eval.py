"""Checks the JSON summary of nix/tests/module-eval.nix (tests/nix/eval.bats): services.weir's
environment, credentials, firewall, hardening, assertions and type checks as expected."""
import json
import sys

r = json.loads(sys.argv[1])
env = r["environment"]
want = {
    "WEIR_ROLE": "processor", "WEIR_HTTP_ADDR": "0.0.0.0:9090", "WEIR_BATCH_SIZE": "1000",
    "WEIR_LOG_LEVEL": "debug", "RABBITMQ_HOST": "mq", "RABBITMQ_PORT": "5673",
    "RABBITMQ_USERNAME": "weir", "WEIR_AMQP_QUEUE_TYPE": "classic",
    "MONGODB_HOST": "db1,db2,db3", "MONGODB_REPLICA_SET": "rs0", "EXTRA": "1",
    "RABBITMQ_PASSWORD_FILE": "%d/rabbitmq-password", "MONGODB_URI_FILE": "%d/mongodb-uri",
}
assert env == want, f"environment {env}"
assert sorted(r["loadCredential"]) == ["mongodb-uri:/run/secrets/mongo-uri", "rabbitmq-password:/run/secrets/rmq"], r["loadCredential"]
assert r["firewall"] == [9090] and r["minimalFirewall"] == [], "openFirewall"
assert r["execStart"].endswith("-weir/bin/weir"), r["execStart"]
h = r["hardening"]
assert h["DynamicUser"] is True and h["ProtectSystem"] == "strict" and h["NoNewPrivileges"] is True, h
assert "@system-service" in h["SystemCallFilter"], h
assert r["fullAssertions"] == [], r["fullAssertions"]
assert r["minimalEnvironment"] == {"WEIR_ROLE": "all", "RABBITMQ_URL_FILE": "%d/rabbitmq-url"}, r["minimalEnvironment"]
assert len(r["noCredentialsAssertions"]) == 1 and "no default credentials" in r["noCredentialsAssertions"][0]
assert r["disabledUnits"] == [], "a disabled module defines units"
assert all(r["rejects"].values()), f"accepted what it must reject: {r['rejects']}"
assert all(r["accepts"].values()), r["accepts"]
print("module evaluates; env, credentials, firewall, hardening, assertions and type checks as expected")
