# nixos-tests/pipeline.nix - RabbitMQ, a three-node MongoDB replica set (rs0) and weir as the NixOS module runs it.
# Valid events stored once, invalid ones dead-lettered with reasons, the API serves them, and a primary failover loses nothing.
{self}: {
  lib,
  pkgs,
  ...
}: let
  python = pkgs.python3.withPackages (ps: [ps.pika]);
  events = "${python}/bin/python3 ${./events.py}";
  mongoNames = ["mongo1" "mongo2" "mongo3"];
  rsHosts = lib.concatMapStringsSep "," (n: "${n}:27017") mongoNames;

  mongoNode = {
    # mongodb-ce: upstream's prebuilt server (SSPL, allowed as unfree by the
    # flake's predicate); pkgs.mongodb builds from source for hours.
    services.mongodb = {
      enable = true;
      package = pkgs.mongodb-ce;
      bind_ip = "0.0.0.0";
      replSetName = "rs0";
    };
    networking.firewall.allowedTCPPorts = [27017];
    environment.systemPackages = [pkgs.mongosh];
    virtualisation.memorySize = 1536;
    virtualisation.diskSize = 4096;
  };
in {
  name = "weir-pipeline";

  nodes =
    lib.genAttrs mongoNames (_: mongoNode)
    // {
      rabbitmq = {
        services.rabbitmq = {
          enable = true;
          # All interfaces: weir connects from another machine.
          listenAddress = "";
          managementPlugin.enable = true;
        };
        networking.firewall.allowedTCPPorts = [5672 15672];
        virtualisation.memorySize = 1024;
      };

      weir = {
        imports = [self.nixosModules.weir];
        services.weir = {
          enable = true;
          role = "all";
          openFirewall = true;
          settings = {
            httpAddr = "0.0.0.0:8080";
            rabbitmq = {
              host = "rabbitmq";
              username = "weir";
              passwordFile = "/run/secrets/rabbitmq-password";
            };
            mongodb = {
              host = rsHosts;
              replicaSet = "rs0";
            };
            batchTimeoutMs = 20;
            logLevel = "info";
          };
        };
        # Started by the test script once the generated password exists.
        systemd.services.weir.wantedBy = lib.mkForce [];
        environment.systemPackages = [pkgs.curl pkgs.jq pkgs.mongosh python];
      };
    };

  testScript = ''
    import json

    mongos = {"mongo1": mongo1, "mongo2": mongo2, "mongo3": mongo3}

    def mongosh(node, js, uri="mongodb://localhost:27017/?directConnection=true"):
        return node.succeed(f"mongosh --quiet '{uri}' --eval '{js}'").strip()

    def stored(query="{}"):
        uri = "mongodb://${rsHosts}/weir?replicaSet=rs0"
        return json.loads(weir.succeed(
            f"mongosh --quiet '{uri}' --eval 'EJSON.stringify(db.events.find({query}, {{_id: 1}}).toArray().map(d => d._id))'"
        ).strip())

    start_all()

    with subtest("replica set rs0 forms"):
        for node in mongos.values():
            node.wait_for_unit("mongodb.service")
            node.wait_for_open_port(27017)
        members = ", ".join(
            f'{{_id: {i}, host: "{name}:27017"}}' for i, name in enumerate(mongos)
        )
        mongosh(mongo1, f'rs.initiate({{_id: "rs0", members: [{members}]}})')
        mongo1.wait_until_succeeds(
            "mongosh --quiet --eval 'quit(db.hello().isWritablePrimary ? 0 : 1)'", timeout=120
        )
        for node in mongos.values():
            node.wait_until_succeeds(
                "mongosh --quiet --eval 'quit(rs.status().members.every(m => [1, 2].includes(m.state)) ? 0 : 1)'",
                timeout=120,
            )

    with subtest("RabbitMQ user with a generated password"):
        rabbitmq.wait_for_unit("rabbitmq.service")
        rabbitmq.wait_for_open_port(5672)
        password = rabbitmq.succeed("head -c 24 /dev/urandom | base64 | tr -d '/+=\n'").strip()
        # As the rabbitmq user, which holds the node's Erlang cookie.
        rabbitmq.succeed(
            f"su -s ${pkgs.runtimeShell} rabbitmq -c \"rabbitmqctl add_user weir '{password}'\"",
            "su -s ${pkgs.runtimeShell} rabbitmq -c \"rabbitmqctl set_permissions -p / weir '.*' '.*' '.*'\"",
        )
        weir.succeed(
            "install -d -m 0700 /run/secrets",
            f"printf %s '{password}' > /run/secrets/rabbitmq-password",
            "chmod 0400 /run/secrets/rabbitmq-password",
        )

    with subtest("weir starts hardened and becomes ready"):
        weir.succeed("systemctl start weir.service")
        weir.wait_for_unit("weir.service")
        weir.wait_until_succeeds("curl -fsS http://localhost:8080/readyz", timeout=120)
        props = weir.succeed("systemctl show weir.service -p DynamicUser -p ProtectSystem -p SystemCallFilter")
        assert "DynamicUser=yes" in props, props
        assert "ProtectSystem=strict" in props, props
        # Kore's own seccomp filter is on in the workers: Seccomp: 2 (filter).
        main_pid = weir.succeed("systemctl show -p MainPID --value weir.service").strip()
        workers = weir.succeed(f"pgrep -P {main_pid}").split()
        assert workers, "weir has no worker processes"
        for pid in workers:
            weir.succeed(f"grep -E '^Seccomp:[[:space:]]+2' /proc/{pid}/status")
        # The secret reached weir as a file, not in the unit's environment.
        env = weir.succeed("systemctl show weir.service -p Environment")
        assert password not in env, "the RabbitMQ password leaked into the unit's environment"

    with subtest("valid events are stored exactly once"):
        weir.succeed("${events} publish --first 0 --count 200 --resend --invalid")
        weir.wait_until_succeeds(
            "test \"$(mongosh --quiet 'mongodb://${rsHosts}/weir?replicaSet=rs0' --eval 'db.events.countDocuments({})')\" = 200",
            timeout=180,
        )
        ids = stored()
        assert len(ids) == 200 and len(set(ids)) == 200, f"{len(ids)} stored, {len(set(ids))} distinct"
        assert set(ids) == {f"ev-{i:06d}" for i in range(200)}, "stored ids differ from the published ones"

    with subtest("invalid events are dead-lettered with their reasons"):
        expected = json.loads(weir.succeed("${events} reasons"))
        dead = json.loads(weir.succeed(f"${events} dead --expect {len(expected)}"))
        assert sorted(d["reason"] for d in dead) == expected, dead
        assert all(d["detail"] for d in dead), dead
        assert not stored('{_id: {$regex: "^bad-"}}'), "an invalid event was stored"

    with subtest("the API serves the stored events"):
        one = json.loads(weir.succeed("curl -fsS http://localhost:8080/v1/events/ev-000007"))
        assert "ev-000007" in json.dumps(one) and "sensor-2" in json.dumps(one), one
        weir.succeed("test \"$(curl -s -o /dev/null -w '%{http_code}' http://localhost:8080/v1/events/never-published)\" = 404")
        listed = json.loads(weir.succeed("curl -fsS 'http://localhost:8080/v1/events?source=sensor-1&limit=1000'"))
        assert json.dumps(listed).count("ev-") >= 40, "GET /v1/events?source=sensor-1 lists fewer than the 40 stored"
        weir.succeed("curl -fsS http://localhost:8080/metrics | grep -E '^weir_events_stored_total.* 200$'")

    with subtest("primary failover loses and duplicates nothing"):
        primary = mongosh(mongo1, "db.hello().primary").split(":")[0]
        old = mongos[primary]
        # Events in flight while the primary goes away.
        weir.succeed("${events} publish --first 200 --count 300 >&2 &")
        old.succeed("systemctl stop mongodb.service")
        survivor = next(n for name, n in mongos.items() if name != primary)
        survivor.wait_until_succeeds(
            "mongosh --quiet --eval 'quit(db.hello().primary && !db.hello().primary.startsWith(\"" + primary + ":\") ? 0 : 1)'",
            timeout=120,
        )
        weir.wait_until_succeeds(
            "test \"$(mongosh --quiet 'mongodb://${rsHosts}/weir?replicaSet=rs0' --eval 'db.events.countDocuments({})')\" = 500",
            timeout=300,
        )
        ids = stored()
        assert len(ids) == 500 and set(ids) == {f"ev-{i:06d}" for i in range(500)}, f"{len(ids)} stored"
        weir.wait_until_succeeds("curl -fsS http://localhost:8080/readyz", timeout=60)
        # The old primary rejoins as a secondary and catches up.
        old.succeed("systemctl start mongodb.service")
        old.wait_until_succeeds(
            "mongosh --quiet --eval 'quit(db.hello().secondary ? 0 : 1)'", timeout=120
        )
  '';
}
