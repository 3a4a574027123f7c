// Rocket.Chat's legacy federation (up to 7.x) as a test peer, with the node-rsa version Rocket.Chat uses.
//
//   node legacy.js generate
//       A key pair made as Rocket.Chat makes it (packages/models/src/models/FederationKeys.ts, 5.x to 7.x; same
//       algorithm in 1.x to 4.x): new NodeRSA({ b: 512 }), then generateKeyPair() with no size, which regenerates
//       the key at node-rsa's default size; both keys exported as pkcs8 PEM with every newline removed.
//   node legacy.js resolve --domain D --dns HOST:PORT [--private-key-file F]
//       The peer lookup of apps/meteor/app/federation/server/lib/dns.js (Rocket.Chat 4.x to 6.x, Node's resolver
//       pointed at HOST:PORT): SRV _rocketchat._https, then _rocketchat._http, then _rocketchat._tcp (its protocol
//       TXT looked up with an SRV query, as that code does, so https stays the protocol); first SRV answer only;
//       TXT rocketchat-public-key: the first record's strings joined with ''. The joined key is loaded as
//       crypt.js loads a peer key (new NodeRSA(key, 'pkcs8-public-pem')) and a message is encrypted with it; with
//       --private-key-file the message is decrypted again, proving the published key is the workspace's key.
'use strict';

const fs = require('fs');
const { Resolver } = require('node:dns/promises');
const NodeRSA = require('node-rsa');

function parseArgs(argv) {
  const args = { command: argv[2] };
  for (let i = 3; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  return args;
}

function generate() {
  const key = new NodeRSA({ b: 512 });
  key.generateKeyPair();
  return {
    public_key: key.exportKey('pkcs8-public-pem').replace(/\n|\r/g, ''),
    private_key: key.exportKey('pkcs8-private-pem').replace(/\n|\r/g, ''),
    bits: key.getKeySize(),
  };
}

async function firstSrv(resolver, name, queried) {
  queried.push(`SRV ${name}`);
  try {
    const answers = await resolver.resolveSrv(name);
    return answers.length ? answers[0] : null;
  } catch (err) {
    return null;
  }
}

async function resolve(args) {
  const resolver = new Resolver();
  resolver.setServers([args.dns]);
  const peer = args.domain;
  const queried = [];
  let protocol = 'https';
  let srv = await firstSrv(resolver, `_rocketchat._https.${peer}`, queried);
  if (!srv) {
    srv = await firstSrv(resolver, `_rocketchat._http.${peer}`, queried);
    if (srv) protocol = 'http';
  }
  if (!srv) {
    srv = await firstSrv(resolver, `_rocketchat._tcp.${peer}`, queried);
    if (srv) await firstSrv(resolver, `rocketchat-tcp-protocol.${peer}`, queried);
  }
  if (!srv) return { hub: true, reason: 'no SRV record', queried };
  queried.push(`TXT rocketchat-public-key.${peer}`);
  let records;
  try {
    records = await resolver.resolveTxt(`rocketchat-public-key.${peer}`);
  } catch (err) {
    return { hub: true, reason: `no public key TXT (${err.code})`, queried };
  }
  const publicKey = records.length ? records[0].join('') : '';
  if (!publicKey) return { hub: true, reason: 'empty public key TXT', queried };
  const result = {
    hub: false,
    url: `${protocol}://${srv.name}:${srv.port}`,
    peer_domain: peer,
    public_key: publicKey,
    txt_strings: records[0].map((s) => s.length),
    queried,
  };
  const loaded = new NodeRSA(publicKey, 'pkcs8-public-pem');
  result.bits = loaded.getKeySize();
  const message = JSON.stringify({ type: 'ping', origin: 'fedops-test-peer' });
  const encrypted = loaded.encrypt(message);
  if (args['private-key-file']) {
    const privateKey = new NodeRSA(fs.readFileSync(args['private-key-file'], 'utf8'), 'pkcs8-private-pem');
    result.round_trip = privateKey.decrypt(encrypted).toString('utf8') === message;
  }
  return result;
}

async function main() {
  const args = parseArgs(process.argv);
  let result;
  if (args.command === 'generate') result = generate();
  else if (args.command === 'resolve' && args.domain && args.dns) result = await resolve(args);
  else throw new Error('usage: legacy.js generate | resolve --domain D --dns HOST:PORT [--private-key-file F]');
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`legacy peer failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
