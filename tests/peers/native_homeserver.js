// A Rocket.Chat-native federation peer: @rocket.chat/federation-sdk (the homeserver library Rocket.Chat's
// ee/packages/federation-matrix builds on) running as a federating homeserver, configured the way Rocket.Chat
// configures it, with its collections in memory (memory_collections.js). Nothing is written to disk.
//
//   node native_homeserver.js --rocketchat-url URL --user-id ID --auth-token TOKEN --listen HOST:PORT
//        --cert PEM --key PEM --control-port PORT [--dns HOST:PORT]
//
// Configuration (read back from the Rocket.Chat settings API, never from the command line):
// - Rocket.Chat reads its Federation_Service_* settings in apps/meteor/ee/server/startup/federation.ts and hands them to
//   configureFederationMatrixSettings() (ee/packages/federation-matrix/src/setup.ts), which validates the domain and
//   calls federationSDK.setConfig(): serverName and matrixDomain = Federation_Service_Domain; signingKey =
//   "<Federation_Service_Matrix_Signing_Algorithm> <..._Signing_Version> <..._Signing_Key>"; invite.* =
//   Federation_Service_Join_Encrypted_Rooms / _Join_Non_Private_Rooms; edu.* = Federation_Service_EDU_Process_Typing /
//   _Presence / _Receipt. Each setting is read by id (GET /api/v1/settings/:_id: the list masks passwords on 8.6).
//   `POST /reload` re-reads them and calls setConfig again, as Rocket.Chat does when a setting changes (its
//   FederationMatrix service, ee/packages/federation-matrix/src/FederationMatrix.ts, also keeps the domain and the
//   EDU switches from Settings.getValueById and the watch.settings event).
// - setupFederationMatrix() (same file) then runs the SDK's init(); here the MongoDB driver is patched first so init()
//   gets in-memory collections.
// - The allow list (Federation_Service_Allow_List) is enforced by the host before the federation routes, as
//   ee/packages/federation-matrix/src/api/middlewares/isFederationDomainAllowed.ts does (re-read on /reload).
// - TLS trust for the other homeservers comes from NODE_EXTRA_CA_CERTS (Rocket.Chat's own federation tests do the
//   same); discovery (well-known, SRV _matrix-fed._tcp) goes to --dns (lab_dns.js).
//
// HTTP: the SDK serves nothing itself. The routes below map the federation API to the SDK calls Rocket.Chat's
// routes make (ee/packages/federation-matrix/src/api/_matrix/*.ts, src/api/.well-known/server.ts, src/api/routes.ts).
// Control API on 127.0.0.1:--control-port: the Rocket.Chat side of a test, through the SDK calls Rocket.Chat's
// federation service makes (ee/packages/federation-matrix/src/FederationMatrix.ts), plus /events: every
// homeserver.matrix.* notification the SDK emitted to Rocket.Chat (what ee/packages/federation-matrix/src/events/*.ts
// receive).
'use strict';

require('core-js/actual/iterator');
require('core-js/actual/set');
require('reflect-metadata');

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const memory = require('./memory_collections');
const { useDnsServer } = require('./lab_dns');

const SDK_VERSION = JSON.parse(fs.readFileSync(require.resolve('@rocket.chat/federation-sdk')
  .replace(/dist[\\/]index\.js$/, 'package.json'), 'utf8')).version;

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const name of ['rocketchat-url', 'user-id', 'auth-token', 'listen', 'cert', 'key', 'control-port']) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  return args;
}

const args = parseArgs(process.argv);
if (args.dns) useDnsServer(args.dns);
const db = memory.install();
const sdk = require('@rocket.chat/federation-sdk');

const { federationSDK } = sdk;
const received = [];
const media = new Map();
let settings = {};
let allowList = null;
let ready = false;

// --- settings, read back from Rocket.Chat -----------------------------------------------------------------------
const SETTING_IDS = [
  'Federation_Service_Enabled', 'Federation_Service_Domain', 'Federation_Service_Matrix_Signing_Algorithm',
  'Federation_Service_Matrix_Signing_Version', 'Federation_Service_Matrix_Signing_Key',
  'Federation_Service_Allow_List', 'Federation_Service_EDU_Process_Typing', 'Federation_Service_EDU_Process_Presence',
  'Federation_Service_EDU_Process_Receipt', 'Federation_Service_Join_Encrypted_Rooms',
  'Federation_Service_Join_Non_Private_Rooms',
];
const OPTIONAL = new Set(['Federation_Service_EDU_Process_Receipt']);

async function readSetting(id) {
  const response = await fetch(`${args['rocketchat-url']}/api/v1/settings/${id}`, {
    headers: { 'X-User-Id': args['user-id'], 'X-Auth-Token': args['auth-token'] },
  });
  if (response.status === 400 && OPTIONAL.has(id)) return undefined;
  if (!response.ok) throw new Error(`GET settings/${id}: HTTP ${response.status}`);
  return (await response.json()).value;
}

function validateDomain(value) {
  // configureFederationMatrixSettings(): lowercase, and a bare host name (new URL('https://' + v).hostname === v)
  if (!value || value !== value.trim() || value.toLowerCase() !== value) return false;
  try {
    return new URL(`https://${value}`).hostname === value;
  } catch {
    return false;
  }
}

async function configure() {
  const values = {};
  for (const id of SETTING_IDS) values[id] = await readSetting(id);
  const domain = values.Federation_Service_Domain;
  if (!validateDomain(domain)) throw new Error(`Invalid Federation domain: ${JSON.stringify(domain)}`);
  federationSDK.setConfig({
    instanceId: 'fedops-native-peer',
    serverName: domain,
    matrixDomain: domain,
    keyRefreshInterval: Number.parseInt(process.env.MATRIX_KEY_REFRESH_INTERVAL || '60', 10),
    version: SDK_VERSION,
    port: Number(args.listen.split(':').pop()),
    signingKey: `${values.Federation_Service_Matrix_Signing_Algorithm} ${values.Federation_Service_Matrix_Signing_Version}`
      + ` ${values.Federation_Service_Matrix_Signing_Key}`,
    signingKeyPath: '',
    media: {
      maxFileSize: 100 * 1024 * 1024,
      allowedMimeTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'text/plain', 'application/pdf'],
      enableThumbnails: false,
      rateLimits: { uploadPerMinute: 1000, downloadPerMinute: 1000 },
    },
    invite: {
      allowedEncryptedRooms: Boolean(values.Federation_Service_Join_Encrypted_Rooms),
      allowedNonPrivateRooms: Boolean(values.Federation_Service_Join_Non_Private_Rooms),
    },
    edu: {
      processTyping: Boolean(values.Federation_Service_EDU_Process_Typing),
      processPresence: Boolean(values.Federation_Service_EDU_Process_Presence),
      processReceipt: Boolean(values.Federation_Service_EDU_Process_Receipt),
    },
  });
  const list = values.Federation_Service_Allow_List;
  allowList = list ? list.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean) : null;
  const key = await federationSDK.getSignedServerKey();
  const [keyId] = Object.keys(key.verify_keys);
  settings = {
    server_name: domain, key_id: keyId, public_key: key.verify_keys[keyId].key, allow_list: allowList || [],
    enabled: values.Federation_Service_Enabled, edu: {
      typing: Boolean(values.Federation_Service_EDU_Process_Typing),
      presence: Boolean(values.Federation_Service_EDU_Process_Presence),
    },
  };
  return settings;
}

// isFederationDomainAllowed.ts: empty list allows all; a pattern matches if equal, "*.base" (base or subdomain), or a
// suffix of the domain.
function domainAllowed(domain) {
  if (!allowList || !allowList.length) return true;
  const d = domain.toLowerCase();
  return allowList.some((p) => p === d || (p.startsWith('*.') ? d === p.slice(2) || d.endsWith(`.${p.slice(2)}`)
    : d.endsWith(p)));
}

// --- federation API (host routes) -----------------------------------------------------------------------------
class HttpError extends Error {
  constructor(status, errcode, error) {
    super(error);
    this.status = status;
    this.body = { errcode, error };
  }
}

function errorBody(err) {
  if (err instanceof HttpError) return [err.status, err.body];
  const name = err && err.constructor && err.constructor.name;
  const message = String((err && err.message) || err);
  if (name === 'IncompatibleRoomVersionError' || /room version/i.test(message) && /support/i.test(message)) {
    return [400, { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: message, room_version: err.roomVersion }];
  }
  if (name === 'NotAllowedError') return [403, { errcode: 'M_FORBIDDEN', error: message }];
  if (/not found/i.test(message)) return [404, { errcode: 'M_NOT_FOUND', error: message }];
  return [500, { errcode: 'M_UNKNOWN', error: message }];
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(res, status, body, headers = {}) {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

const routes = [];
function route(method, pattern, handler, { auth = true } = {}) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:([a-zA-Z]+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
  routes.push({ method, regex, names, handler, auth });
}

async function authenticate(req, uri, body) {
  // routes.ts: the key server and version routes are public; everything else goes through isAuthenticated
  // (federationSDK.verifyRequestSignature) and isFederationDomainAllowed.
  const header = req.headers.authorization;
  if (!header) throw new HttpError(401, 'M_UNAUTHORIZED', 'Missing Authorization headers.');
  const claimed = /origin="?([^",]+)"?/.exec(header);
  if (claimed && !domainAllowed(claimed[1])) {
    throw new HttpError(403, 'M_FORBIDDEN', 'Federation from this domain is not allowed.');
  }
  const origin = await federationSDK.verifyRequestSignature(header, req.method, uri, body);
  if (!origin) throw new HttpError(401, 'M_UNAUTHORIZED', 'Invalid signature');
  return origin;
}

route('GET', '/_matrix/key/v2/server', async () => [200, await federationSDK.getSignedServerKey()], { auth: false });
route('GET', '/_matrix/federation/v1/version', async () => [200, { server: { name: 'Rocket.Chat', version: SDK_VERSION } }],
  { auth: false });
route('GET', '/.well-known/matrix/server', async () => [200, federationSDK.getWellKnownHostData()], { auth: false });

// invite.ts: processInvite(event, eventId, roomVersion, invite_room_state); the invitee must be a local user
route('PUT', '/_matrix/federation/v2/invite/:roomId/:eventId', async ({ roomId, eventId, body }) => {
  const { event, room_version: roomVersion, invite_room_state: stripped } = body;
  const localpart = String(event.state_key || '').split(':')[0].slice(1);
  if (!await db.collection('users').findOne({ username: localpart })) {
    throw new HttpError(403, 'M_FORBIDDEN', 'user not found');
  }
  const invite = await federationSDK.processInvite({ ...event, room_id: roomId }, eventId, roomVersion, stripped || []);
  return [200, { event: invite.event }];
});
// rooms.ts / send-join.ts / make-leave.ts / send-leave.ts
route('GET', '/_matrix/federation/v1/make_join/:roomId/:userId', async ({ roomId, userId, query }) => {
  const versions = query.getAll('ver');
  return [200, await federationSDK.makeJoin(roomId, userId, versions.length ? versions : ['1'])];
});
route('PUT', '/_matrix/federation/v2/send_join/:roomId/:eventId', async ({ roomId, eventId, body }) => [
  200, await federationSDK.sendJoin(roomId, eventId, body)]);
route('GET', '/_matrix/federation/v1/make_leave/:roomId/:userId', async ({ roomId, userId }) => [
  200, await federationSDK.makeLeave(roomId, userId)]);
route('PUT', '/_matrix/federation/v2/send_leave/:roomId/:eventId', async ({ roomId, eventId, body }) => {
  await federationSDK.sendLeave(roomId, eventId, body);
  return [200, {}];
});
// transactions.ts
route('PUT', '/_matrix/federation/v1/send/:txnId', async ({ body, origin }) => {
  await federationSDK.processIncomingTransaction({ origin: body.origin || origin, pdus: body.pdus || [],
    edus: body.edus || [] });
  return [200, { pdus: {}, edus: {} }];
});
route('GET', '/_matrix/federation/v1/state_ids/:roomId', async ({ roomId, query }) => [
  200, await federationSDK.getStateIds(roomId, query.get('event_id'))]);
route('GET', '/_matrix/federation/v1/state/:roomId', async ({ roomId, query }) => [
  200, await federationSDK.getState(roomId, query.get('event_id'))]);
route('GET', '/_matrix/federation/v1/event/:eventId', async ({ eventId }) => {
  const found = await federationSDK.getEventById(eventId);
  if (!found) throw new HttpError(404, 'M_NOT_FOUND', 'Event not found');
  return [200, { origin_server_ts: found.event.origin_server_ts, origin: found.origin, pdus: [found.event] }];
});
route('GET', '/_matrix/federation/v1/backfill/:roomId', async ({ roomId, query }) => [
  200, await federationSDK.getBackfillEvents(roomId, query.getAll('v'), Number(query.get('limit') || 100))]);
route('POST', '/_matrix/federation/v1/get_missing_events/:roomId', async ({ roomId, body }) => [
  200, await federationSDK.getMissingEvents(roomId, body.earliest_events || [], body.latest_events || [],
    body.limit || 10, body.min_depth || 0)]);
route('GET', '/_matrix/federation/v1/event_auth/:roomId/:eventId', async ({ roomId, eventId }) => [
  200, await federationSDK.eventAuth(roomId, eventId)]);
// profiles.ts
route('GET', '/_matrix/federation/v1/query/profile', async ({ query }) => {
  const profile = await federationSDK.queryProfile(query.get('user_id'));
  if (!profile) throw new HttpError(404, 'M_NOT_FOUND', 'User not found');
  return [200, profile];
});
route('POST', '/_matrix/federation/v1/user/keys/query', async ({ body }) => [
  200, await federationSDK.queryKeys(body.device_keys || {})]);
route('GET', '/_matrix/federation/v1/user/devices/:userId', async ({ userId }) => [
  200, { user_id: userId, stream_id: 0, devices: [] }]);
// media.ts: authenticated media download, multipart/mixed (metadata JSON, then the file)
route('GET', '/_matrix/federation/v1/media/download/:mediaId', async ({ mediaId }) => {
  const file = media.get(mediaId);
  if (!file) throw new HttpError(404, 'M_NOT_FOUND', 'Media not found');
  const boundary = crypto.randomBytes(16).toString('hex');
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n--${boundary}\r\n`
      + `Content-Type: ${file.type}\r\nContent-Disposition: attachment; filename="${file.name}"\r\n\r\n`),
    file.data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return [200, body, { 'Content-Type': `multipart/mixed; boundary=${boundary}` }];
});

async function federationHandler(req, res) {
  const url = new URL(req.url, 'https://host');
  const match = routes.map((r) => ({ r, m: req.method === r.method && r.regex.exec(url.pathname) })).find((x) => x.m);
  try {
    if (!match) throw new HttpError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
    const raw = await readBody(req);
    const body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    const params = {};
    match.r.names.forEach((n, i) => { params[n] = decodeURIComponent(match.m[i + 1]); });
    const origin = match.r.auth ? await authenticate(req, req.url, body) : undefined;
    const [status, out, headers] = await match.r.handler({ ...params, body: body || {}, query: url.searchParams, origin });
    send(res, status, out, headers);
  } catch (err) {
    const [status, out] = errorBody(err);
    if (status >= 500) process.stderr.write(`${req.method} ${url.pathname}: ${err && err.stack}\n`);
    send(res, status, out);
  }
}

// --- Rocket.Chat's side (control API) ---------------------------------------------------------------------------
function recordEvents() {
  const names = ['message', 'membership', 'membership.rejected', 'room.create', 'room.name', 'room.topic', 'room.role',
    'reaction', 'redaction', 'typing', 'presence', 'receipt', 'encrypted', 'encryption', 'invite'];
  for (const name of names) {
    federationSDK.eventEmitterService.on(`homeserver.matrix.${name}`, (data) => {
      received.push({ kind: name, at: Date.now(), data: JSON.parse(JSON.stringify(data ?? null)) });
    });
  }
}

function userId(username) {
  return `@${username}:${settings.server_name}`;
}

const actions = {
  // A Rocket.Chat user (the users collection is Rocket.Chat's own: the SDK's UserRepository reads it).
  async provision({ username, name }) {
    await db.collection('users').updateOne({ username }, { $setOnInsert: { _id: crypto.randomBytes(8).toString('hex'),
      username, name: name || username, type: 'user', active: true, roles: ['user'] } }, { upsert: true });
    return { user_id: userId(username) };
  },
  // FederationMatrix.createRoom(): federationSDK.createRoom(owner, name, join rule)
  async create_room({ username, name, join_rule: joinRule }) {
    return federationSDK.createRoom(userId(username), name, joinRule || 'invite');
  },
  // FederationMatrix.inviteUsersToRoom(): federationSDK.inviteUserToRoom(invitee, roomId, inviter, isDirect)
  async invite({ username, room_id: roomId, user_id: invitee, is_direct: isDirect }) {
    const result = await federationSDK.inviteUserToRoom(invitee, roomId, userId(username), Boolean(isDirect));
    return { event_id: result.event_id };
  },
  // FederationMatrix.handleInvite(): federationSDK.acceptInvite(roomId, userId)
  async accept_invite({ username, room_id: roomId }) {
    return { event_id: await federationSDK.acceptInvite(roomId, userId(username)) };
  },
  // FederationMatrix.sendMessage(): federationSDK.sendMessage(roomId, raw, formatted, sender)
  async send({ username, room_id: roomId, body, html }) {
    const event = await federationSDK.sendMessage(roomId, body, html || body, userId(username));
    return { event_id: event.eventId };
  },
  // FederationMatrix.updateMessage(): federationSDK.updateMessage(roomId, raw, formatted, sender, eventId)
  async edit({ username, room_id: roomId, event_id: eventId, body }) {
    return { event_id: await federationSDK.updateMessage(roomId, body, body, userId(username), eventId) };
  },
  // FederationMatrix.deleteMessage(): federationSDK.redactMessage(roomId, eventId)
  async redact({ room_id: roomId, event_id: eventId }) {
    return { event_id: await federationSDK.redactMessage(roomId, eventId) };
  },
  // FederationMatrix.sendReaction(): federationSDK.sendReaction(roomId, eventId, emoji, sender)
  async react({ username, room_id: roomId, event_id: eventId, key }) {
    return { event_id: await federationSDK.sendReaction(roomId, eventId, key, userId(username)) };
  },
  // FederationMatrix.notifyUserTyping(): nothing with Federation_Service_EDU_Process_Typing off, else
  // federationSDK.sendTypingNotification(roomId, userId, typing)
  async typing({ username, room_id: roomId, typing }) {
    if (!settings.edu.typing) return { sent: false };
    await federationSDK.sendTypingNotification(roomId, userId(username), Boolean(typing));
    return { sent: true };
  },
  // A file uploaded to Rocket.Chat and sent as a message: FederationMatrix.sendMessage() for a file calls
  // federationSDK.sendFileMessage() with an mxc:// URI served by media.ts.
  async send_file({ username, room_id: roomId, name, type, data_b64: data }) {
    const mediaId = crypto.randomBytes(12).toString('hex');
    const buffer = Buffer.from(data, 'base64');
    media.set(mediaId, { name, type, data: buffer });
    const msgtype = type.startsWith('image/') ? 'm.image' : 'm.file';
    const event = await federationSDK.sendFileMessage(roomId, {
      body: name, msgtype, url: `mxc://${settings.server_name}/${mediaId}`, info: { mimetype: type, size: buffer.length },
    }, userId(username));
    return { event_id: event.eventId, mxc: `mxc://${settings.server_name}/${mediaId}` };
  },
  // MatrixMediaService: a remote file is fetched with federationSDK.downloadFromRemoteServer(server, mediaId)
  async download({ mxc }) {
    const [server, mediaId] = mxc.slice('mxc://'.length).split('/');
    const buffer = await federationSDK.downloadFromRemoteServer(server, mediaId);
    return { data_b64: buffer ? Buffer.from(buffer).toString('base64') : null };
  },
  async reload() {
    return configure();
  },
};

async function controlHandler(req, res) {
  const url = new URL(req.url, 'http://control');
  try {
    if (req.method === 'GET' && url.pathname === '/state') {
      return send(res, 200, { running: ready, sdk_version: SDK_VERSION, ...settings });
    }
    if (req.method === 'GET' && url.pathname === '/events') return send(res, 200, received);
    const action = actions[url.pathname.slice(1)];
    if (req.method !== 'POST' || !action) return send(res, 404, { error: 'unknown action' });
    const raw = await readBody(req);
    return send(res, 200, await action(raw.length ? JSON.parse(raw.toString('utf8')) : {}));
  } catch (err) {
    const [status, out] = errorBody(err);
    return send(res, status === 500 ? 500 : status, { ...out, name: err && err.constructor && err.constructor.name });
  }
}

async function main() {
  await configure();
  await sdk.init({ dbConfig: { uri: 'mongodb://127.0.0.1:1/rocketchat', poolSize: 1 } });
  recordEvents();
  const [host, port] = [args.listen.slice(0, args.listen.lastIndexOf(':')), Number(args.listen.split(':').pop())];
  const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) },
    federationHandler);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const control = http.createServer(controlHandler);
  await new Promise((resolve, reject) => control.once('error', reject)
    .listen(Number(args['control-port']), '127.0.0.1', resolve));
  ready = true;
  process.stdout.write(`${JSON.stringify({ ready: true, ...settings })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`native homeserver failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
