"""Certificates and TLS-only servers for test_tls.py.

Certs: a private CA, a server certificate for DNS:localhost, the same key
in an expired certificate, a client certificate, and a second CA that
signed nothing weir sees (the "wrong CA"), all made with openssl at run
time.

TlsRabbit: a RabbitMQ node started by scripts/stack with an advanced.config
that closes the plain AMQP listener and opens a TLS one on the same port,
requiring client certificates. TlsFerret: FerretDB with --listen-addr=
empty (no plain listener) and a TLS listener that requires client
certificates.
"""
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import time

import pika
import pymongo

from checks import free_port, wait_until

REPO = pathlib.Path(__file__).resolve().parents[2]
STACK = pathlib.Path(os.environ.get("WEIR_STACK") or REPO / "scripts" / "stack")

CA_CNF = """[ca]
default_ca = c
[c]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
"""


def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True,
                       text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr[-800:]}")


class Certs:
    """The files, as absolute paths: ca, other_ca, server_crt, server_key,
    expired_crt, client_crt, client_key, client_pem (certificate + key)."""

    def __init__(self, d):
        self.dir = pathlib.Path(d)
        self.dir.mkdir(parents=True, exist_ok=True)
        for name in ("ca", "other-ca"):
            self._ca(name)
        self._leaf("server", "localhost", "serverAuth")
        self._leaf("client", "weir", "clientAuth")
        self._expired("server")
        p = self.dir
        self.ca, self.other_ca = p / "ca.crt", p / "other-ca.crt"
        self.server_crt, self.server_key = p / "server.crt", p / "server.key"
        self.expired_crt = p / "server-expired.crt"
        self.client_crt, self.client_key = p / "client.crt", p / "client.key"
        self.client_pem = p / "client.pem"
        self.client_pem.write_text(self.client_crt.read_text() +
                                   self.client_key.read_text())

    def _ca(self, name):
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 f"{name}.key", "-out", f"{name}.crt", "-days", "2", "-subj",
                 f"/CN=weir test {name}", cwd=self.dir)

    def _leaf(self, name, cn, usage):
        ext = self.dir / f"{name}.ext"
        san = f"subjectAltName = DNS:{cn}\n" if name == "server" else ""
        ext.write_text(f"{san}extendedKeyUsage = {usage}\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={cn}", "-addext",
                 f"subjectAltName = DNS:{cn}", cwd=self.dir)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt",
                 "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                 "-extfile", ext.name, "-out", f"{name}.crt", cwd=self.dir)

    def _expired(self, name):
        """The server's key in a certificate valid for one day in 2020."""
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        cnf = self.dir / "ca.cnf"
        cnf.write_text(CA_CNF.format(dir=self.dir))
        _openssl("ca", "-batch", "-config", cnf.name, "-cert", "ca.crt",
                 "-keyfile", "ca.key", "-in", f"{name}.csr", "-out",
                 f"{name}-expired.crt", "-startdate", "20200101000000Z",
                 "-enddate", "20200102000000Z", "-notext", cwd=self.dir)

    def client_context(self, ca=None):
        ctx = ssl.create_default_context(cafile=str(ca or self.ca))
        ctx.load_cert_chain(str(self.client_crt), str(self.client_key))
        return ctx


def _stack(*args, timeout=180):
    r = subprocess.run([str(STACK), *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"scripts/stack {' '.join(map(str, args))}: "
                           f"{r.stdout[-1500:]}\n{r.stderr[-1500:]}")
    return r


ADVANCED_CONFIG = """%% Written by tests/integration/tls_stack.py: TLS only.
[{{rabbit, [
  {{tcp_listeners, []}},
  {{ssl_listeners, [{{"127.0.0.1", {port}}}]}},
  {{ssl_options, [{{cacertfile, "{tls}/ca.crt"}},
                 {{certfile, "{tls}/server.crt"}},
                 {{keyfile, "{tls}/server.key"}},
                 {{verify, verify_peer}},
                 {{fail_if_no_peer_cert, true}}]}}
]}}].
"""


class TlsRabbit:
    def __init__(self, state_dir, certs):
        self.dir = pathlib.Path(state_dir) / "rabbitmq-tls"
        self.tls = self.dir / "tls"
        self.certs = certs
        self.port = free_port()
        self.ports = [self.port, free_port(), free_port(), free_port()]

    def start(self):
        self.tls.mkdir(parents=True, exist_ok=True)
        for src, dst in ((self.certs.ca, "ca.crt"),
                         (self.certs.server_crt, "server.crt"),
                         (self.certs.server_key, "server.key")):
            shutil.copyfile(src, self.tls / dst)
        (self.dir / "advanced.config").write_text(
            ADVANCED_CONFIG.format(port=self.port, tls=self.tls))
        _stack("rabbitmq", "start", self.dir, *self.ports)
        return self

    def stop(self):
        _stack("rabbitmq", "stop", self.dir)

    def ctl(self, *args):
        return _stack("rabbitmq", "ctl", self.dir, *args).stdout

    def serve_certificate(self, crt):
        """Puts `crt` in place of the server certificate; new handshakes
        present it once Erlang's PEM cache is cleared."""
        tmp = self.tls / "server.crt.new"
        shutil.copyfile(crt, tmp)
        if os.geteuid() == 0:  # the broker runs as rabbitmq (scripts/stack)
            shutil.chown(tmp, "rabbitmq", "rabbitmq")
        os.replace(tmp, self.tls / "server.crt")
        self.ctl("eval", "ssl:clear_pem_cache().")

    def params(self, **kw):
        ctx = self.certs.client_context()
        return pika.ConnectionParameters(
            host="localhost", port=self.port,
            credentials=pika.PlainCredentials("guest", "guest"),
            ssl_options=pika.SSLOptions(ctx, "localhost"),
            connection_attempts=1, socket_timeout=5, **kw)

    def connection(self):
        return pika.BlockingConnection(self.params())

    def url(self, host="localhost"):
        return f"amqps://guest:guest@{host}:{self.port}/"


class TlsFerret:
    def __init__(self, state_dir, certs):
        self.dir = pathlib.Path(state_dir) / "ferretdb-tls"
        self.certs = certs
        self.port = free_port()
        self.proc = None

    def start(self, crt=None):
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "data").mkdir(exist_ok=True)
        binary = os.environ.get("WEIR_FERRETDB") or REPO / ".weir/bin/ferretdb"
        with open(self.dir / "ferretdb.log", "ab") as log:
            self.proc = subprocess.Popen(
                [str(binary), "--handler=sqlite",
                 f"--sqlite-url=file:{self.dir}/data/",
                 "--listen-addr=", f"--listen-tls=127.0.0.1:{self.port}",
                 f"--listen-tls-cert-file={crt or self.certs.server_crt}",
                 f"--listen-tls-key-file={self.certs.server_key}",
                 f"--listen-tls-ca-file={self.certs.ca}",
                 f"--state-dir={self.dir}", "--repl-set-name=rs0",
                 "--telemetry=disable", "--debug-addr=-", "--log-level=warn"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                start_new_session=True)
        if crt is None:
            wait_until(self._ping, 30, "FerretDB answers over TLS")
        else:
            wait_until(self._listening, 30, "FerretDB listens")
        return self

    def _listening(self):
        with socket.socket() as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _ping(self):
        with self.client() as c:
            return c.admin.command("ping")["ok"] == 1

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def restart(self, crt=None):
        self.stop()
        time.sleep(0.2)
        return self.start(crt)

    def client(self):
        return pymongo.MongoClient(
            "localhost", self.port, directConnection=True, tls=True,
            tlsCAFile=str(self.certs.ca),
            tlsCertificateKeyFile=str(self.certs.client_pem),
            serverSelectionTimeoutMS=5000, connectTimeoutMS=3000)

    def uri(self, host="localhost"):
        return f"mongodb://{host}:{self.port}/?tls=true"
