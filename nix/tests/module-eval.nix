# nix/tests/module-eval.nix - evaluates services.weir with nixpkgs' real lib.evalModules and stub NixOS options.
# scripts/test-nix runs it: option types, defaults, the env mapping, credentials and assertions, without nixpkgs.
{lib}: let
  eval = config:
    (lib.evalModules {
      modules = [
        ../module.nix
        ./stub-nixos.nix
        {
          services.weir.package = {
            type = "derivation";
            name = "weir";
            outPath = "/nix/store/00000000000000000000000000000000-weir";
            meta.mainProgram = "weir";
          };
        }
        config
      ];
    })
    .config;
  failed = cfg: map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);

  full = eval {
    services.weir = {
      enable = true;
      role = "processor";
      openFirewall = true;
      settings = {
        httpAddr = "0.0.0.0:9090";
        batchSize = 1000;
        logLevel = "debug";
        rabbitmq = {
          host = "mq";
          port = 5673;
          username = "weir";
          passwordFile = "/run/secrets/rmq";
          queueType = "classic";
        };
        mongodb = {
          host = "db1,db2,db3";
          replicaSet = "rs0";
          uriFile = "/run/secrets/mongo-uri";
        };
      };
      extraEnvironment.EXTRA = "1";
    };
  };
  unit = full.systemd.services.weir;
  minimal = eval {
    services.weir = {
      enable = true;
      settings.rabbitmq.urlFile = "/run/secrets/url";
    };
  };
  noCredentials = eval {services.weir.enable = true;};
  # Whether evaluating CONFIG's unit environment fails (a type error).
  rejected = config: !(builtins.tryEval (builtins.deepSeq (eval config).systemd.services.weir.environment true)).success;
  withUrl = extra: {
    services.weir =
      {
        enable = true;
        settings.rabbitmq.urlFile = "/run/secrets/url";
      }
      // extra;
  };
  disabled = eval {};
in {
  environment = unit.environment;
  loadCredential = unit.serviceConfig.LoadCredential;
  firewall = full.networking.firewall.allowedTCPPorts;
  execStart = unit.serviceConfig.ExecStart;
  hardening = {
    inherit (unit.serviceConfig) DynamicUser ProtectSystem SystemCallFilter NoNewPrivileges;
  };
  fullAssertions = failed full;
  minimalEnvironment = minimal.systemd.services.weir.environment;
  minimalFirewall = minimal.networking.firewall.allowedTCPPorts;
  noCredentialsAssertions = failed noCredentials;
  disabledUnits = builtins.attrNames disabled.systemd.services;
  rejects = {
    unknownRole = rejected (withUrl {role = "worker";});
    relativeSecret = rejected {
      services.weir = {
        enable = true;
        settings.rabbitmq.urlFile = "secrets/url";
      };
    };
    zeroBatch = rejected (withUrl {settings.batchSize = 0;});
    badQueueType = rejected (withUrl {settings.rabbitmq.queueType = "stream";});
    unknownSetting = rejected (withUrl {settings.batchSizes = 10;});
  };
  accepts.goodRole = !(rejected (withUrl {role = "api";}));
}
