# scripts/lib/rabbitmq.sh - start, stop and query a private RabbitMQ node under a state dir.
# Needs scripts/lib/common.sh. Debian's rabbitmq-server 3.10, as user rabbitmq when run as root.
# shellcheck shell=bash

# Layout of a node's state dir <dir>:
#   rabbitmq.conf, enabled_plugins, rabbitmq-env.conf  written on every start
#   home/.erlang.cookie       random cookie shared by the node and rabbitmqctl
#   mnesia/<node>/            data (durable queues, users); kept across restarts
#   log/<node>.log            the broker's log; rabbitmq.out: its stdout/stderr
#   rabbitmq.pid              pid of the Erlang VM (written by the broker)
#   rabbitmq.launcher.pid     pid of the start script (leader of its session)
#   rabbitmq.node, rabbitmq.ports  node name and ports, for stop/status/ctl

# Debian's scripts; the Nix dev shell (nix/shell.nix) points this at nixpkgs' sbin/.
RABBITMQ_SBIN=${WEIR_RABBITMQ_SBIN:-/usr/lib/rabbitmq/bin}
RABBITMQ_USER=rabbitmq
RABBITMQ_START_TIMEOUT=${RABBITMQ_START_TIMEOUT:-90}
# The loopback address the listeners bind to: scripts/cluster gives its
# broker 127.0.0.2 so that it can keep the manifests' standard ports.
RABBITMQ_IP=${WEIR_RABBITMQ_IP:-127.0.0.1}
# weir's exchanges and queues (docs/security.md): the one expression for
# its user's permissions in the dev stack, the test stack (with the tests'
# prefix) and the manifests (scripts/gen-secrets).
# shellcheck disable=SC2034 # used by scripts/dev, scripts/test and scripts/gen-secrets
RABBITMQ_WEIR_NAMES_RE='^events(\.process|\.dlx|\.dead)?$'

# _rmq_env DIR NODE DIST_PORT: prints the environment (NAME=VALUE per line)
# that both the broker and rabbitmqctl run with; RABBITMQ_CONF_ENV_FILE keeps
# /etc/rabbitmq/rabbitmq-env.conf out. WEIR_RABBITMQ_PATH adds directories
# (the Nix dev shell's util-linux, for setsid, where /usr/bin has none).
_rmq_env() {
	local dir=$1 node=$2 dist=$3
	cat <<ENV
HOME=$dir/home
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${WEIR_RABBITMQ_PATH:+:$WEIR_RABBITMQ_PATH}
LANG=C.UTF-8
LC_ALL=C.UTF-8
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf
RABBITMQ_NODENAME=$node
RABBITMQ_USE_LONGNAME=false
RABBITMQ_DIST_PORT=$dist
RABBITMQ_MNESIA_BASE=$dir/mnesia
RABBITMQ_LOG_BASE=$dir/log
RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf
RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config
RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
RABBITMQ_FEATURE_FLAGS_FILE=$dir/feature_flags
RABBITMQ_PLUGINS_EXPAND_DIR=$dir/plugins-expand
RABBITMQ_PID_FILE=$dir/rabbitmq.pid
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}
ENV
}

# _rmq_owner: prints the command prefix (one word a line) that runs a
# command as the user owning the nodes: the rabbitmq user when we are root
# (Debian's layout), else nothing (we run it ourselves).
_rmq_owner() {
	if (($(id -u) == 0)); then
		printf '%s\n' setpriv "--reuid=$RABBITMQ_USER" "--regid=$RABBITMQ_USER" --init-groups
	fi
}

# _rmq_run DIR NODE DIST_PORT COMMAND...: runs COMMAND as the node's owner
# with the node's environment, from DIR. Nothing is inherited, so a stray
# RABBITMQ_* variable cannot leak in.
_rmq_run() {
	local dir=$1 node=$2 dist=$3
	shift 3
	local -a envv owner
	mapfile -t envv < <(_rmq_env "$dir" "$node" "$dist")
	mapfile -t owner < <(_rmq_owner)
	(cd "$dir" && exec "${owner[@]}" env -i "${envv[@]}" "$@")
}

# rabbitmq_dir_reachable DIR [w]: succeeds when the node's owner can search
# DIR (and, with "w", write it). As root the owner is the rabbitmq user,
# which needs o+x on DIR and every parent: not so under a 0700 home.
rabbitmq_dir_reachable() {
	local -a owner
	mapfile -t owner < <(_rmq_owner)
	if [[ ${2:-} == w ]]; then
		"${owner[@]}" test -x "$1" -a -w "$1" 2>/dev/null
	else
		"${owner[@]}" test -x "$1" 2>/dev/null
	fi
}

# rabbitmq_node DIR: prints the node name recorded by the last start.
rabbitmq_node() {
	local node
	[[ -r $1/rabbitmq.node ]] || return 1
	read -r node <"$1/rabbitmq.node"
	[[ -n $node ]] && printf '%s\n' "$node"
}

# rabbitmq_port DIR NAME: prints the port NAME (amqp, mgmt, prom, dist).
rabbitmq_port() {
	grep -m1 "^$2=" "$1/rabbitmq.ports" 2>/dev/null | cut -d= -f2 | grep .
}

# rabbitmq_ctl DIR ARGS...: rabbitmqctl against the node in DIR.
rabbitmq_ctl() {
	local dir=$1 node dist
	shift
	node=$(rabbitmq_node "$dir") || die "no RabbitMQ node recorded in $dir"
	dist=$(rabbitmq_port "$dir" dist) || die "no ports recorded in $dir"
	_rmq_run "$dir" "$node" "$dist" "$RABBITMQ_SBIN/rabbitmqctl" -n "$node" "$@"
}

# rabbitmq_status DIR: succeeds when the node's VM is alive and answers.
rabbitmq_status() {
	local dir=$1
	[[ -d $dir ]] || return 1
	dir=$(cd "$dir" && pwd)
	pid_alive "$dir/rabbitmq.pid" beam.smp || return 1
	rabbitmq_node "$dir" >/dev/null && rabbitmq_port "$dir" dist >/dev/null || return 1
	rabbitmq_ctl "$dir" -q ping >/dev/null 2>&1
}

_rmq_write_config() {
	local dir=$1 amqp=$2 mgmt=$3 prom=$4
	# loopback_users is left at its default, so guest/guest (created on the
	# node's first boot) is accepted from 127.0.0.1 only.
	cat >"$dir/rabbitmq.conf" <<CONF
# Written by scripts/stack on every start; edits are lost.
listeners.tcp.local = $RABBITMQ_IP:$amqp
management.tcp.ip = $RABBITMQ_IP
management.tcp.port = $mgmt
prometheus.tcp.ip = $RABBITMQ_IP
prometheus.tcp.port = $prom
# Fresher queue statistics in the management API (default 5000 ms).
collect_statistics_interval = 1000
log.console = false
log.file.level = info
CONF
	# A caller's own settings (tests/integration/test_k8s_rabbitmq.py), last: they win.
	[[ ! -e $dir/extra.conf ]] || cat "$dir/extra.conf" >>"$dir/rabbitmq.conf"
	printf '[rabbitmq_management,rabbitmq_prometheus].\n' >"$dir/enabled_plugins"
	printf '# Intentionally empty: keeps /etc/rabbitmq/rabbitmq-env.conf out.\n' \
		>"$dir/rabbitmq-env.conf"
	printf 'amqp=%s\nmgmt=%s\nprom=%s\ndist=%s\n' "$amqp" "$mgmt" "$prom" "$5" \
		>"$dir/rabbitmq.ports"
}

# _rmq_cookie DIR: creates the node's private Erlang cookie once.
_rmq_cookie() {
	local home=$1/home
	mkdir -p "$home"
	if [[ ! -s $home/.erlang.cookie ]]; then
		(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' \
			>"$home/.erlang.cookie")
	fi
	chmod 0400 "$home/.erlang.cookie"
}

# rabbitmq_start DIR AMQP MGMT PROM DIST: starts the node, waits until it runs.
rabbitmq_start() {
	local dir=$1 amqp=$2 mgmt=$3 prom=$4 dist=$5
	local node="weir${amqp}${RABBITMQ_IP#127.0.0.1}@localhost" name p pid
	node=${node//./-}
	local ip
	require_port amqp "$amqp"
	require_port mgmt "$mgmt"
	require_port prometheus "$prom"
	require_port dist "$dist"
	[[ -x $RABBITMQ_SBIN/rabbitmq-server ]] ||
		die "rabbitmq-server is not installed (run scripts/install-deps)"
	if (($(id -u) == 0)); then
		command -v setpriv >/dev/null || die "setpriv (util-linux) is missing"
		getent passwd "$RABBITMQ_USER" >/dev/null || die "no '$RABBITMQ_USER' user"
	fi

	dir=$(abs_dir "$dir")
	if rabbitmq_status "$dir"; then
		if [[ $(rabbitmq_node "$dir") == "$node" ]]; then
			log "RabbitMQ $node is already running (pid $(<"$dir/rabbitmq.pid"))"
			return 0
		fi
		die "another RabbitMQ node ($(rabbitmq_node "$dir")) runs from $dir"
	fi
	for name in amqp:"$amqp" mgmt:"$mgmt" prometheus:"$prom" dist:"$dist"; do
		p=${name#*:}
		# The distribution port is on 127.0.0.1 whatever the listeners' address.
		ip=$RABBITMQ_IP
		[[ ${name%%:*} != dist ]] || ip=127.0.0.1
		! port_open "$p" "$ip" || die "RabbitMQ ${name%%:*} port $p on $ip is already in use"
	done

	mkdir -p "$dir/mnesia" "$dir/log"
	chmod 0755 "$dir"
	_rmq_write_config "$dir" "$amqp" "$mgmt" "$prom" "$dist"
	printf '%s\n' "$node" >"$dir/rabbitmq.node"
	_rmq_cookie "$dir"
	rm -f "$dir/rabbitmq.pid" "$dir/rabbitmq.launcher.pid"
	if (($(id -u) == 0)); then
		# Debian's broker runs as the rabbitmq user; it must own its files.
		chown -R "$RABBITMQ_USER:$RABBITMQ_USER" "$dir"
	fi
	if ! rabbitmq_dir_reachable "$dir" w; then
		die "user '$RABBITMQ_USER' cannot write $dir; every parent directory must be world-searchable (chmod o+x)"
	fi

	local started=$SECONDS
	local -a envv owner
	mapfile -t envv < <(_rmq_env "$dir" "$node" "$dist")
	mapfile -t owner < <(_rmq_owner)
	# Not through _rmq_run: the subshell must exec so that $! is the broker's
	# start script. setsid gives it its own session, so Ctrl-C in the caller's
	# terminal does not reach it and a last-resort kill can take the group.
	(cd "$dir" && exec "${owner[@]}" env -i "${envv[@]}" \
		setsid "$RABBITMQ_SBIN/rabbitmq-server") >>"$dir/rabbitmq.out" 2>&1 </dev/null &
	pid=$!
	printf '%s\n' "$pid" >"$dir/rabbitmq.launcher.pid"

	if ! _rmq_wait_started "$dir" "$node" "$amqp" "$mgmt" "$prom" "$pid"; then
		show_log_tail "$dir/rabbitmq.out" 15
		show_log_tail "$dir/log/$node.log" 30
		rabbitmq_stop "$dir" >/dev/null 2>&1 || true
		die "RabbitMQ $node did not start (logs: $dir/log/$node.log, $dir/rabbitmq.out)"
	fi
	log "RabbitMQ $node up in $((SECONDS - started)) s: amqp $RABBITMQ_IP:$amqp, management http://$RABBITMQ_IP:$mgmt/, prometheus :$prom"
}

# _rmq_wait_started DIR NODE AMQP MGMT PROM LAUNCHER_PID
_rmq_wait_started() {
	local dir=$1 node=$2 amqp=$3 mgmt=$4 prom=$5 launcher=$6
	local deadline=$((SECONDS + RABBITMQ_START_TIMEOUT)) left
	# Listeners open only near the end of the boot; poll them cheaply first,
	# then let rabbitmqctl confirm that the node and its plugins have started.
	until port_open "$amqp" "$RABBITMQ_IP" && port_open "$mgmt" "$RABBITMQ_IP" &&
		port_open "$prom" "$RABBITMQ_IP"; do
		if ! kill -0 "$launcher" 2>/dev/null; then
			log "RabbitMQ exited during startup"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "RabbitMQ did not open its ports within ${RABBITMQ_START_TIMEOUT} s"
			return 1
		fi
		sleep 0.5
	done
	left=$((deadline - SECONDS))
	((left > 5)) || left=5
	if ! rabbitmq_ctl "$dir" -q await_startup --timeout "$left" >/dev/null; then
		log "rabbitmqctl await_startup failed for $node"
		return 1
	fi
	pid_alive "$dir/rabbitmq.pid" beam.smp || {
		log "RabbitMQ did not write $dir/rabbitmq.pid"
		return 1
	}
}

# rabbitmq_stop DIR: stops the node gracefully, else by signal. Idempotent.
rabbitmq_stop() {
	local dir=$1 node pid launcher
	[[ -d $dir ]] || return 0
	dir=$(cd "$dir" && pwd)
	node=$(rabbitmq_node "$dir" 2>/dev/null) || node=""
	pid=$(pid_from_file "$dir/rabbitmq.pid" beam.smp) || pid=""
	launcher=$(pid_from_file "$dir/rabbitmq.launcher.pid" rabbitmq-server) || launcher=""
	if [[ -z $pid && -z $launcher ]]; then
		return 0
	fi
	if [[ -n $node && -n $pid ]]; then
		# `stop PIDFILE` returns once the VM process has exited.
		if ! _rmq_run "$dir" "$node" "$(rabbitmq_port "$dir" dist)" timeout 60 \
			"$RABBITMQ_SBIN/rabbitmqctl" -n "$node" -q stop "$dir/rabbitmq.pid" \
			>/dev/null 2>&1; then
			warn "rabbitmqctl stop failed for $node; sending signals"
		fi
	fi
	if [[ -n $pid ]]; then
		stop_pid "RabbitMQ $node" "$pid" 20
	fi
	if [[ -n $launcher ]]; then
		if kill -0 "$launcher" 2>/dev/null; then
			stop_pid "RabbitMQ launcher" "$launcher" 10
		fi
		# Anything left in the broker's session (epmd is a daemon outside it).
		kill -KILL -- "-$launcher" 2>/dev/null || true
	fi
	rm -f "$dir/rabbitmq.pid" "$dir/rabbitmq.launcher.pid"
	log "RabbitMQ ${node:-node} in $dir stopped"
}

# rabbitmq_app_users DIR SECRETS NAMES_RE: least privilege on the node in DIR.
# User weir may configure, write and read only what NAMES_RE matches (weir's
# exchanges and queues); user monitoring (tag monitoring, no permission to
# configure, write or read) may look at queues, as KEDA and Prometheus do.
# Passwords are generated once into SECRETS/rabbitmq-{weir,monitoring}-password
# (0600) and set again on every call; they reach rabbitmqctl on stdin.
rabbitmq_app_users() {
	local dir=$1 secrets=$2 re=$3 user file users
	mkdir -p "$secrets"
	users=$(rabbitmq_ctl "$dir" -q list_users)
	for user in weir monitoring; do
		file=$secrets/rabbitmq-$user-password
		[[ -s $file ]] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$file")
		if grep -q "^${user}[[:space:]]" <<<"$users"; then
			rabbitmq_ctl "$dir" -q change_password "$user" <"$file" >/dev/null
		else
			rabbitmq_ctl "$dir" -q add_user "$user" <"$file" >/dev/null
		fi
	done
	rabbitmq_ctl "$dir" -q set_permissions -p / weir "$re" "$re" "$re" >/dev/null
	rabbitmq_ctl "$dir" -q set_user_tags monitoring monitoring >/dev/null
	rabbitmq_ctl "$dir" -q set_permissions -p / monitoring '^$' '^$' '^$' >/dev/null
}
