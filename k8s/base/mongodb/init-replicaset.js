// init-replicaset.js - run by the mongodb-init Job (mongosh). Idempotent:
// it initiates the replica set only when the members say it was never
// initiated, then creates weir's and the exporter's users if missing. Running
// it again, or after a member lost its disk, changes nothing.
const members = parseInt(process.env.MONGODB_MEMBERS, 10);
const svc = process.env.MONGODB_SERVICE;
const ns = process.env.POD_NAMESPACE;
const rsName = process.env.MONGODB_REPLICA_SET;
const hosts = [...Array(members).keys()].map(
  (i) => `mongodb-${i}.${svc}.${ns}.svc.cluster.local:27017`);
// TLS only (requireTLS): the members' certificates name their FQDNs.
const tls = `&tls=true&tlsCAFile=${encodeURIComponent(process.env.MONGODB_CA_FILE)}`;
const auth = `${encodeURIComponent(process.env.MONGODB_ROOT_USERNAME)}:` +
  `${encodeURIComponent(process.env.MONGODB_ROOT_PASSWORD)}`;

function connectTo(host) {
  for (let i = 0; i < 120; i++) {
    try {
      const c = connect(`mongodb://${auth}@${host}/admin?directConnection=true&authSource=admin${tls}`);
      c.adminCommand({ ping: 1 });
      return c;
    } catch (e) {
      print(`waiting for ${host}: ${e.message}`);
      sleep(5000);
    }
  }
  throw new Error(`${host} did not answer within 10 minutes`);
}

// Every member must be up (and hold the root user) before initiating, or
// rs.initiate would build a set that cannot reach its members.
const dbs = hosts.map(connectTo);
let initiated = false;
for (const d of dbs) {
  try {
    d.adminCommand({ replSetGetStatus: 1 });
    initiated = true;
  } catch (e) {
    if (e.code !== 94 /* NotYetInitialized */) throw e;
  }
}
if (!initiated) {
  print(`initiating replica set ${rsName} with ${hosts.join(", ")}`);
  dbs[0].adminCommand({
    replSetInitiate: {
      _id: rsName,
      members: hosts.map((h, i) => ({ _id: i, host: h, priority: i === 0 ? 2 : 1 })),
    },
  });
} else {
  print(`replica set ${rsName} already initiated; leaving its configuration alone`);
}

let primary = null;
for (let i = 0; i < 120 && primary === null; i++) {
  const hello = dbs[0].adminCommand({ hello: 1 });
  if (hello.primary) {
    primary = connectTo(hello.primary);
  } else {
    print("waiting for a primary");
    sleep(2000);
  }
}
if (primary === null) throw new Error("no primary elected within 4 minutes");

function ensureUser(name, password, roles) {
  const admin = primary.getSiblingDB("admin");
  if (admin.getUser(name) === null) {
    admin.createUser({ user: name, pwd: password, roles: roles });
    print(`created user ${name}`);
  } else {
    admin.updateUser(name, { pwd: password, roles: roles });
    print(`user ${name} exists; password and roles refreshed`);
  }
}
ensureUser(process.env.WEIR_MONGODB_USERNAME, process.env.WEIR_MONGODB_PASSWORD,
  [{ role: "readWrite", db: process.env.WEIR_MONGODB_DATABASE }]);
ensureUser(process.env.EXPORTER_USERNAME, process.env.EXPORTER_PASSWORD,
  [{ role: "clusterMonitor", db: "admin" }, { role: "read", db: "local" }]);
print("replica set ready");
