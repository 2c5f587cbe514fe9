# nix/module.nix - services.weir: runs weir under systemd, settings typed and mapped to its environment variables.
# Secrets come from files through systemd credentials; the unit is sandboxed and Kore's own seccomp filter stays on.
{
  config,
  lib,
  ...
}: let
  inherit (lib) mkOption types;
  cfg = config.services.weir;

  # option name -> [ environment variable, type, description ]; null (the
  # default of every one) leaves the variable unset, so weir's own default
  # applies (`weir --help` lists them).
  settingsTable = {
    httpAddr = ["WEIR_HTTP_ADDR" types.str "HTTP listen address, host:port (weir's default 0.0.0.0:8080)."];
    workers = ["WEIR_WORKERS" types.ints.positive "Kore worker processes."];
    consumers = ["WEIR_CONSUMERS" types.ints.positive "AMQP consumer threads per worker."];
    prefetch = ["WEIR_PREFETCH" types.ints.positive "Unacknowledged deliveries per consumer; at least batchSize."];
    batchSize = ["WEIR_BATCH_SIZE" types.ints.positive "Events per MongoDB bulk write."];
    batchTimeoutMs = ["WEIR_BATCH_TIMEOUT_MS" types.ints.positive "Flush a partial batch after this many milliseconds."];
    maxMessageBytes = ["WEIR_MAX_MESSAGE_BYTES" types.ints.positive "Larger messages are dead-lettered as too_large."];
    maxFutureSkewS = ["WEIR_MAX_FUTURE_SKEW_S" types.ints.unsigned "How far in the future an event's ts may be, in seconds."];
    eventsTtlSeconds = ["WEIR_EVENTS_TTL_SECONDS" types.ints.unsigned "Expire stored events after this many seconds; 0 keeps them."];
    aggregateIntervalMs = ["WEIR_AGGREGATE_INTERVAL_MS" types.ints.positive "How often touched aggregate windows are recomputed."];
    drainTimeoutS = ["WEIR_DRAIN_TIMEOUT_S" types.ints.positive "On SIGTERM, time to finish the batch in flight."];
    logLevel = ["WEIR_LOG_LEVEL" (types.enum ["debug" "info" "warn" "error"]) "Log level (JSON lines on stdout, into the journal)."];
    processorName = ["WEIR_PROCESSOR_NAME" types.str "Name stored with each event (default: the host name)."];
    rabbitmq.host = ["RABBITMQ_HOST" types.str "Broker host."];
    rabbitmq.port = ["RABBITMQ_PORT" types.port "Broker port."];
    rabbitmq.username = ["RABBITMQ_USERNAME" types.str "Broker user (the password comes from rabbitmq.passwordFile)."];
    rabbitmq.vhost = ["RABBITMQ_VHOST" types.str "Virtual host."];
    rabbitmq.heartbeatS = ["WEIR_AMQP_HEARTBEAT_S" types.ints.unsigned "AMQP heartbeat in seconds."];
    rabbitmq.exchange = ["WEIR_AMQP_EXCHANGE" types.str "Topic exchange events are published to."];
    rabbitmq.queue = ["WEIR_AMQP_QUEUE" types.str "Queue weir consumes."];
    rabbitmq.deadLetterExchange = ["WEIR_AMQP_DLX" types.str "Dead-letter exchange."];
    rabbitmq.deadQueue = ["WEIR_AMQP_DEAD_QUEUE" types.str "Dead-letter queue."];
    rabbitmq.queueType = ["WEIR_AMQP_QUEUE_TYPE" (types.enum ["quorum" "classic"]) "Type of the queue weir declares."];
    rabbitmq.deliveryLimit = ["WEIR_AMQP_DELIVERY_LIMIT" types.ints.positive "Quorum queue x-delivery-limit (poison-message guard)."];
    rabbitmq.tls = ["RABBITMQ_TLS" (types.enum ["auto" "on" "off"]) "TLS to the broker; auto follows the URL's scheme (amqps://)."];
    rabbitmq.caFile = ["RABBITMQ_CA_FILE" types.str "PEM file of the CAs that sign the broker's certificate (default: the system's)."];
    rabbitmq.certFile = ["RABBITMQ_CERT_FILE" types.str "PEM client certificate (its key comes from rabbitmq.keyFile)."];
    rabbitmq.tlsVerifyHostname = ["RABBITMQ_TLS_VERIFY_HOSTNAME" (types.enum ["on" "off"]) "Check the broker's certificate names its host."];
    mongodb.tls = ["MONGODB_TLS" (types.enum ["auto" "on" "off"]) "TLS to MongoDB; auto follows the URI's tls option."];
    mongodb.caFile = ["MONGODB_CA_FILE" types.str "PEM file of the CAs that sign MongoDB's certificate."];
    mongodb.certFile = ["MONGODB_CERT_FILE" types.str "PEM client certificate (its key comes from mongodb.keyFile)."];
    mongodb.host = ["MONGODB_HOST" types.str "host[:port][,host[:port]...] of the MongoDB servers."];
    mongodb.username = ["MONGODB_USERNAME" types.str "MongoDB user (the password comes from mongodb.passwordFile)."];
    mongodb.replicaSet = ["MONGODB_REPLICA_SET" types.str "Replica set name."];
    mongodb.database = ["WEIR_MONGODB_DATABASE" types.str "Database."];
    mongodb.writeConcern = ["WEIR_MONGODB_WRITE_CONCERN" (types.enum ["auto" "majority" "1"]) "Write concern; auto is majority on a replica set."];
    api.readAuth = ["WEIR_API_READ_AUTH" (types.enum ["none" "token"]) "Whether GET routes need a bearer token too (POST always does)."];
    api.queryTimeoutMs = ["WEIR_API_QUERY_TIMEOUT_MS" types.ints.positive "maxTimeMS of each API query."];
  };

  # Secret files, loaded with LoadCredential= and passed as <VAR>_FILE, so
  # they stay readable by root only and never enter the Nix store.
  secretTable = {
    rabbitmq.passwordFile = ["RABBITMQ_PASSWORD" "RabbitMQ password."];
    rabbitmq.urlFile = ["RABBITMQ_URL" "A whole amqp:// or amqps:// URL, credentials included; wins over the parts."];
    mongodb.passwordFile = ["MONGODB_PASSWORD" "MongoDB password."];
    mongodb.uriFile = ["MONGODB_URI" "A whole MongoDB URI, credentials included; wins over the parts."];
    rabbitmq.keyFile = ["RABBITMQ_KEY" "PEM private key of rabbitmq.certFile."];
    mongodb.keyFile = ["MONGODB_KEY" "PEM private key of mongodb.certFile."];
    api.tokensFile = ["WEIR_API_TOKENS" "API bearer tokens, one a line (POST /v1/events; reads too when api.readAuth is token)."];
  };

  isLeaf = v: builtins.isList v;
  leaves = table:
    lib.collect (x: x ? path) (lib.mapAttrsRecursiveCond (v: !isLeaf v) (path: v: {inherit path v;}) table);

  settingOption = spec:
    mkOption {
      type = types.nullOr (builtins.elemAt spec 1);
      default = null;
      description = "${builtins.elemAt spec 2} Sets {env}`${builtins.elemAt spec 0}`; null leaves weir's default.";
    };
  secretOption = spec:
    mkOption {
      # A string, not a path: a Nix path literal would copy the secret into
      # the world-readable store.
      type = types.nullOr (types.strMatching "/.+");
      default = null;
      example = "/run/secrets/weir-${lib.toLower (builtins.elemAt spec 0)}";
      description = "Absolute path of a file holding the ${builtins.elemAt spec 1} Read through systemd's LoadCredential= and passed as {env}`${builtins.elemAt spec 0}_FILE`.";
    };

  setEnv = lib.listToAttrs (lib.concatMap (
      l: let
        value = lib.attrByPath l.path null cfg.settings;
      in
        lib.optional (value != null) (lib.nameValuePair (builtins.elemAt l.v 0) (toString value))
    )
    (leaves settingsTable));
  secrets = lib.concatMap (
    l: let
      file = lib.attrByPath l.path null cfg.settings;
      var = builtins.elemAt l.v 0;
    in
      lib.optional (file != null) {
        inherit file var;
        name = lib.toLower (lib.replaceStrings ["_"] ["-"] var);
      }
  ) (leaves secretTable);

  httpPort = lib.toInt (lib.last (lib.splitString ":" (
    if cfg.settings.httpAddr == null
    then "0.0.0.0:8080"
    else cfg.settings.httpAddr
  )));
in {
  options.services.weir = {
    enable = lib.mkEnableOption "weir, the RabbitMQ to MongoDB stream processor";

    package = mkOption {
      type = types.package;
      description = "The weir package (the flake's module sets its own build).";
    };

    role = mkOption {
      type = types.enum ["all" "processor" "api"];
      default = "all";
      description = ''
        What this instance does: `all` consumes and serves the API (one
        machine), `processor` consumes (and serves /healthz, /readyz,
        /metrics), `api` serves the API only.
      '';
    };

    settings = mkOption {
      default = {};
      description = "weir's settings; each maps to one environment variable (see `weir --help`).";
      type = types.submodule {
        options =
          lib.mapAttrs (_: settingOption) (removeAttrs settingsTable ["rabbitmq" "mongodb" "api"])
          // {
            rabbitmq = lib.mapAttrs (_: settingOption) settingsTable.rabbitmq // lib.mapAttrs (_: secretOption) secretTable.rabbitmq;
            mongodb = lib.mapAttrs (_: settingOption) settingsTable.mongodb // lib.mapAttrs (_: secretOption) secretTable.mongodb;
            api = lib.mapAttrs (_: settingOption) settingsTable.api // lib.mapAttrs (_: secretOption) secretTable.api;
          };
      };
      example = lib.literalExpression ''
        {
          rabbitmq = { host = "mq.internal"; username = "weir"; passwordFile = "/run/secrets/rabbitmq"; };
          mongodb = { host = "db1:27017,db2:27017,db3:27017"; replicaSet = "rs0"; };
          batchSize = 1000;
        }
      '';
    };

    extraEnvironment = mkOption {
      type = types.attrsOf types.str;
      default = {};
      description = "More environment variables, for settings without an option here. No secrets: they end up in the Nix store.";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open the HTTP port (from settings.httpAddr) in the firewall.";
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.settings.rabbitmq.urlFile != null || (cfg.settings.rabbitmq.username != null && cfg.settings.rabbitmq.passwordFile != null);
        message = "services.weir: set settings.rabbitmq.urlFile, or settings.rabbitmq.username and settings.rabbitmq.passwordFile (weir has no default credentials).";
      }
      {
        assertion = cfg.settings.mongodb.username == null || cfg.settings.mongodb.passwordFile != null;
        message = "services.weir: settings.mongodb.username needs settings.mongodb.passwordFile.";
      }
    ];

    networking.firewall.allowedTCPPorts = lib.optional cfg.openFirewall httpPort;

    systemd.services.weir = {
      description = "weir stream processor (${cfg.role})";
      wantedBy = ["multi-user.target"];
      wants = ["network-online.target"];
      after = ["network-online.target" "rabbitmq.service" "mongodb.service" "ferretdb.service"];

      environment =
        setEnv
        // {WEIR_ROLE = cfg.role;}
        // lib.listToAttrs (map (s: lib.nameValuePair "${s.var}_FILE" "%d/${s.name}") secrets)
        // cfg.extraEnvironment;

      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package}";
        # weir validates its settings at start and exits 2 on a bad one:
        # restarting would only repeat the same error.
        Restart = "on-failure";
        RestartPreventExitStatus = 2;
        RestartSec = 2;
        # SIGTERM: weir finishes the batch in flight (WEIR_DRAIN_TIMEOUT_S).
        TimeoutStopSec = 30;
        LoadCredential = map (s: "${s.name}:${s.file}") secrets;

        DynamicUser = true;
        # Kore's pid file goes to /tmp (private per unit).
        PrivateTmp = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateDevices = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        RestrictAddressFamilies = ["AF_INET" "AF_INET6" "AF_UNIX"];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        NoNewPrivileges = true;
        CapabilityBoundingSet = [""];
        AmbientCapabilities = [""];
        SystemCallArchitectures = "native";
        # Kore installs its own seccomp filter in every worker (kept on);
        # this outer filter is systemd's, and refuses with EPERM rather
        # than killing, so an unlisted call shows up in weir's log.
        SystemCallFilter = ["@system-service" "~@privileged"];
        SystemCallErrorNumber = "EPERM";
        UMask = "0077";
      };
    };
  };
}
