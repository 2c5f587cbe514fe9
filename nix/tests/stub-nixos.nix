# nix/tests/stub-nixos.nix - the NixOS options weir's module and VM test nodes set, declared as NixOS declares them
# (no freeform at the top), so a misspelt option fails evaluation. Other services' options are not checked here.
{
  lib,
  pkgs,
  ...
}: let
  inherit (lib) mkOption types;
  # A service or setting group whose own options only NixOS knows.
  loose = options:
    mkOption {
      type = types.submodule {
        freeformType = types.lazyAttrsOf types.anything;
        inherit options;
      };
      default = {};
    };
  opt = type: default: mkOption {inherit type default;};
  list = type: opt (types.listOf type) [];
in {
  options = {
    assertions = list types.unspecified;
    warnings = list types.str;
    environment.systemPackages = list types.package;
    networking = {
      # Set by the test driver for every node.
      primaryIPAddress = opt types.str "192.168.1.1";
      firewall.allowedTCPPorts = list types.port;
      firewall.trustedInterfaces = list types.str;
    };
    virtualisation = loose {};
    services.rabbitmq = loose {};
    services.mongodb = loose {};
    services.k3s = loose {
      package = opt types.package pkgs.k3s;
    };
    # The unit options NixOS has that weir's module uses; a key NixOS lacks
    # (`wantedby`) is an error, as there.
    systemd.services = opt (types.attrsOf (types.submodule {
      options = {
        description = opt types.str "";
        wantedBy = list types.str;
        wants = list types.str;
        after = list types.str;
        environment = opt (types.attrsOf types.str) {};
        serviceConfig = opt (types.attrsOf types.anything) {};
      };
    })) {};
  };
}
