// Rocket.Chat's native federation (7.11 and later) as a test peer: @rocket.chat/federation-sdk, the library
// Rocket.Chat's ee/packages/federation-matrix builds its homeserver on, used without MongoDB.
//
//   node native.js --key-file PATH --server-name NAME [--target NAME --dns HOST:PORT]
//
// - Key derivation: the SDK's ConfigService reads the signing key in the "<algorithm> <version> <seed>" form of a
//   Synapse key file; its ServerService.getSignedServerKey() builds the key document the SDK serves at
//   /_matrix/key/v2/server. Printed: key_id and public_key as the SDK derives them.
// - Server discovery: FederationRequestService.makeSignedRequest() (what the SDK uses for every outgoing federation
//   request) resolves --target the SDK's way (well-known, then SRV) and fetches the target's
//   /_matrix/key/v2/server over TLS. The SDK's resolver takes its DNS servers from HOMESERVER_CONFIG_DNS_SERVERS
//   (set here from --dns); address lookups (getaddrinfo in the SDK) are sent to the same server, as a private
//   resolv.conf would. Printed: the SRV names queried and the server key document the target answered.
// Trust for the target's certificate comes from NODE_EXTRA_CA_CERTS.
'use strict';

const fs = require('fs');
const { useDnsServer } = require('./lab_dns');

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const name of ['key-file', 'server-name']) if (!args[name]) throw new Error(`--${name} is required`);
  if (args.target && !args.dns) throw new Error('--target needs --dns');
  return args;
}

async function main() {
  const args = parseArgs(process.argv);
  const queried = args.dns ? useDnsServer(args.dns) : [];
  const { federationSDK } = require('@rocket.chat/federation-sdk');
  const signingKey = fs.readFileSync(args['key-file'], 'utf8').split('\n').find((line) => line.trim());
  federationSDK.setConfig({
    instanceId: 'fedops-test-peer',
    serverName: args['server-name'],
    port: 8443,
    version: '0.8.0',
    matrixDomain: args['server-name'],
    keyRefreshInterval: 60,
    signingKey,
    signingKeyPath: args['key-file'],
    media: { maxFileSize: 1048576, allowedMimeTypes: [], enableThumbnails: false,
      rateLimits: { uploadPerMinute: 1, downloadPerMinute: 1 } },
    invite: { allowedEncryptedRooms: false, allowedNonPrivateRooms: false },
    edu: { processTyping: false, processPresence: false },
  });
  const own = await federationSDK.getSignedServerKey();
  const [keyId] = Object.keys(own.verify_keys);
  const result = { key_id: keyId, public_key: own.verify_keys[keyId].key, server_name: own.server_name };
  if (args.target) {
    const response = await federationSDK.makeSignedRequest({
      method: 'GET', domain: args.target, uri: '/_matrix/key/v2/server',
    });
    result.target_status = response.status;
    result.target_key = typeof response.json === 'function' ? await response.json() : response;
    result.srv_queries = queried;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`native peer failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
