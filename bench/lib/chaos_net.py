"""bench/lib/chaos_net.py - bench/chaos's network: a namespace for weir, a veth
pair to the host, nftables partitions on the namespace's end, a delaying relay.

weir runs inside the namespace and reaches the broker and the store only
through the veth pair; the host end holds the broker's listener and the
store relay. Every fault is made on the namespace's own interface (nft
rules inside it) or in the relay that only the namespace's connections
reach; nothing touches the host's other interfaces, routes or rules."""
import asyncio
import ipaddress
import subprocess
import threading

TABLE = "weirchaos"


def run(*cmd, check=True, netns=None, stdin=None):
    """Runs cmd (in netns when given); returns its stdout; raises with its
    stderr when it fails and check is set."""
    argv = (["ip", "netns", "exec", netns] if netns else []) + list(cmd)
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: "
                           f"{r.stderr.strip()[:500]}")
    return r.stdout


class Netns:
    """A network namespace joined to the host by a veth pair on a /30:
    host end HOST_IP, namespace end NS_IP. Partitions drop one TCP port of
    the host end, in both directions, on the namespace's interface."""

    def __init__(self, tag, subnet="10.254.0.0/16"):
        net = ipaddress.ip_network(subnet)
        slot = tag % (net.num_addresses // 4)
        base = net.network_address + 4 * slot
        self.host_ip, self.ns_ip = str(base + 1), str(base + 2)
        self.link = ipaddress.ip_network(f"{base}/30")
        self.name = f"weirchaos{tag}"
        self.host_if, self.ns_if = f"wch{tag}", f"wcn{tag}"
        self.up = False

    def create(self):
        taken = run("ip", "-4", "-o", "addr", "show") + run("ip", "-4", "route", "show")
        for word in taken.split():
            try:
                used = ipaddress.ip_interface(word).network
            except ValueError:
                continue
            if used.overlaps(self.link):
                raise RuntimeError(f"the host already uses {word}, which overlaps "
                                   f"{self.link}; pick another --subnet")
        run("ip", "netns", "add", self.name)
        self.up = True
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        run("ip", "link", "set", self.ns_if, "netns", self.name)
        run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        for cmd in (("ip", "link", "set", "lo", "up"),
                    ("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if),
                    ("ip", "link", "set", self.ns_if, "up")):
            run(*cmd, netns=self.name)
        run("nft", "-f", "-", netns=self.name, stdin=(
            f"table inet {TABLE} {{\n"
            "  chain out { type filter hook output priority 0; policy accept; }\n"
            "  chain in { type filter hook input priority 0; policy accept; }\n"
            "}\n"))

    def partition(self, port):
        """Drops every packet between the namespace and HOST_IP:port."""
        run("nft", "-f", "-", netns=self.name, stdin=(
            f"add rule inet {TABLE} out oifname {self.ns_if} ip daddr "
            f"{self.host_ip} tcp dport {port} drop\n"
            f"add rule inet {TABLE} in iifname {self.ns_if} ip saddr "
            f"{self.host_ip} tcp sport {port} drop\n"))

    def heal(self):
        run("nft", "-f", "-", netns=self.name, stdin=(
            f"flush chain inet {TABLE} out\nflush chain inet {TABLE} in\n"))

    def destroy(self):
        """Deleting the namespace deletes its veth end, which takes the
        host end and the nft table with it."""
        if self.up:
            run("ip", "netns", "del", self.name, check=False)
            run("ip", "link", "del", self.host_if, check=False)
            self.up = False


class Relay(threading.Thread):
    """A TCP relay LISTEN -> UPSTREAM. While `delay` is above zero, each
    chunk the client sends is held that many seconds before it goes on (in
    order), so every request to the store takes that much longer: the
    kernel here has no netem (CONFIG_NET_SCH_NETEM is not set)."""

    def __init__(self, listen, upstream):
        super().__init__(name="relay", daemon=True)
        self.listen, self.upstream = listen, upstream
        self.delay = 0.0
        self.ready = threading.Event()
        self.error = None
        self._loop = None
        self._server = None

    def run(self):
        try:
            asyncio.run(self._main())
        except Exception as e:  # noqa: BLE001 - reported by start_and_wait
            self.error = e
            self.ready.set()

    def start_and_wait(self):
        self.start()
        self.ready.wait(10)
        if self.error or not self.ready.is_set():
            raise RuntimeError(f"relay on {self.listen}: {self.error!r}")

    def stop(self):
        if self._loop and self._server:
            self._loop.call_soon_threadsafe(self._server.close)

    async def _main(self):
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._client, *self.listen)
        self.ready.set()
        try:
            await self._server.serve_forever()
        except asyncio.CancelledError:
            pass

    async def _client(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer, True),
                             self._pipe(up_reader, writer, False),
                             return_exceptions=True)

    async def _pipe(self, reader, writer, delayed):
        queue = asyncio.Queue()
        sender = asyncio.create_task(self._send(queue, writer))
        try:
            while data := await reader.read(65536):
                hold = self.delay if delayed else 0.0
                queue.put_nowait((self._loop.time() + hold, data))
        except OSError:
            pass
        queue.put_nowait((0.0, None))
        await sender

    async def _send(self, queue, writer):
        try:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - self._loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
