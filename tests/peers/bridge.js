// Rocket.Chat's Matrix bridge (4.7 to 7.10) as a test peer: the application service Rocket.Chat runs next to its
// server, built from the same published library and in the same way, so that a homeserver configured by
// fedops.rocketchat is tested against what a workspace really runs.
//
//   node bridge.js --rocketchat-url URL --user-id ID --auth-token TOKEN --events FILE --control-port PORT
//                  [--dns HOST:PORT]
//
// What follows Rocket.Chat (release 7.10.x, RocketChat/Rocket.Chat):
// - apps/meteor/server/services/federation/infrastructure/rocket-chat/adapters/Settings.ts: the settings read
//   (Federation_Matrix_*), getBridgePort() (the text after the second ':' of the bridge URL, default 3300) and
//   getAppServiceRegistrationObject() (id, tokens, url, localpart, ephemeral switch, '.*' non-exclusive namespaces).
// - apps/meteor/server/services/federation/infrastructure/matrix/Bridge.ts: createInstance() (Bridge options
//   homeserverUrl, domain, registration from convertRegistrationFileToMatrixFormat(), disableStores, a controller
//   with onEvent, onLog and, only when ephemeral events are enabled, onEphemeralEvent), start() (run(port), then
//   the POST /_matrix/app/v1/ping path with checkToken) and ping() (the appservice ping through the bot's client).
// The settings are read back from the Rocket.Chat REST API (GET /api/v1/settings/<id>), as the server has them.
// One deviation: the listener binds the bridge URL's host (loopback in the tests), where Rocket.Chat binds 0.0.0.0.
//
// What Rocket.Chat sends: every action of the control listener below is one method of Bridge.ts (named on it), with
// the payload that method builds, sent through the same intent call (RocketChat/Rocket.Chat
// apps/meteor/server/services/federation/infrastructure/matrix/Bridge.ts @02fbbde258137325cfea24054b94426ef0df4c69,
// the 7.x bridge with ping() and the own-homeserver message filter). Text goes through Rocket.Chat's converters of
// the same commit: converters/room/to-internal-parser-formatter.ts (toExternalMessageFormat: @all/@here and user
// mentions as MentionPill links, then marked.parse, then every whitespace run collapsed; toExternalQuoteMessageFormat:
// RichReply fallback around the marked HTML) and converters/room/MessageReceiver.ts
// (convertEmojisFromRCFormatToMatrixFormat: emojione.shortnameToUnicode). marked and emojione are pinned in
// package.json at the versions Rocket.Chat's apps/meteor/package.json ranges resolve to (marked ^4, emojione ^4.5.0);
// MentionPill and RichReply come from the bot SDK the bridge library ships (@rocket.chat/forked-matrix-bot-sdk).
// What is Rocket.Chat application code and not in Bridge.ts (the UI, the avatar job that decides when to upload,
// the role-to-power-level mapping) is the caller's choice of arguments, which the tests name in their table.
//
// --dns sends the bridge's host name lookups to that DNS server (a lab's BIND), as a private resolv.conf would;
// trust for a TLS homeserver URL comes from NODE_EXTRA_CA_CERTS.
// Handlers record what they receive as JSON lines in --events. A control listener on 127.0.0.1:--control-port
// lets a test drive the bridge side: GET /state, GET /events, POST /<action> (the actions below).
'use strict';

const dns = require('dns');
const fs = require('fs');
const http = require('http');
const net = require('net');

const SETTING_IDS = [
  'Federation_Matrix_enabled', 'Federation_Matrix_id', 'Federation_Matrix_hs_token', 'Federation_Matrix_as_token',
  'Federation_Matrix_homeserver_url', 'Federation_Matrix_homeserver_domain', 'Federation_Matrix_bridge_url',
  'Federation_Matrix_bridge_localpart', 'Federation_Matrix_enable_ephemeral_events',
];
const EVERYTHING = '.*';

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of ['rocketchat-url', 'user-id', 'auth-token', 'events', 'control-port']) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  return args;
}

function useDnsServer(server) {
  const resolver = new dns.Resolver();
  resolver.setServers([server]);
  dns.lookup = (hostname, options, callback) => {
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'object' && options !== null ? options : {};
    const family = net.isIP(hostname);
    if (family) {
      if (opts.all) cb(null, [{ address: hostname, family }]);
      else cb(null, hostname, family);
      return;
    }
    resolver.resolve4(hostname, (err, addresses) => {
      if (err || !addresses.length) {
        cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      } else if (opts.all) {
        cb(null, addresses.map((address) => ({ address, family: 4 })));
      } else {
        cb(null, addresses[0], 4);
      }
    });
  };
}

async function readSettings(args) {
  const settings = {};
  for (const id of SETTING_IDS) {
    const response = await fetch(`${args['rocketchat-url'].replace(/\/$/, '')}/api/v1/settings/${id}`, {
      headers: { 'X-User-Id': args['user-id'], 'X-Auth-Token': args['auth-token'] },
    });
    const body = await response.json();
    if (!response.ok || body.success === false) {
      throw new Error(`GET /api/v1/settings/${id} answered ${response.status}`);
    }
    settings[id] = body.value;
  }
  return settings;
}

// Settings.ts getBridgePort(): `const [, , port = '3300'] = url.split(':')`.
function bridgePort(bridgeUrl) {
  const [, , port = '3300'] = bridgeUrl.split(':');
  return parseInt(port, 10);
}

// Settings.ts getAppServiceRegistrationObject() then Bridge.ts convertRegistrationFileToMatrixFormat().
function registrationFromSettings(s) {
  const listenTo = { exclusive: false, regex: EVERYTHING };
  return {
    'id': s.Federation_Matrix_id,
    'hs_token': s.Federation_Matrix_hs_token,
    'as_token': s.Federation_Matrix_as_token,
    'url': s.Federation_Matrix_bridge_url,
    'sender_localpart': s.Federation_Matrix_bridge_localpart,
    'namespaces': { users: [{ ...listenTo }], rooms: [{ ...listenTo }], aliases: [{ ...listenTo }] },
    'de.sorunome.msc2409.push_ephemeral': s.Federation_Matrix_enable_ephemeral_events === true,
  };
}

// converters/room/MessageReceiver.ts convertEmojisFromRCFormatToMatrixFormat().
function escapeEmojis(text) {
  return require('emojione').shortnameToUnicode(text);
}

// converters/room/to-internal-parser-formatter.ts, the mention expressions and their order.
const MENTIONS_OF_EXTERNAL_USERS = /@([0-9a-zA-Z-_.]+(@([0-9a-zA-Z-_.]+))?):+([0-9a-zA-Z-_.]+)(?=[^<>]*(?:<\w|$))/gm;
const MENTIONS_OF_INTERNAL_USERS = /(?:^|(?<=\s))@([0-9a-zA-Z-_.]+(@([0-9a-zA-Z-_.]+))?)(?=[^<>]*(?:<\w|$))/gm;
const GENERAL_MENTIONS = /(@all)|(@here)/gm;

async function replaceMentions(message, expression, pill) {
  const pending = [];
  message.replace(expression, (match) => pending.push(pill(match)));
  const pills = await Promise.all(pending);
  return message.replace(expression, () => ` ${pills.shift().html}`);
}

function markdownToHtml(message) {
  return require('marked').marked.parse(message);
}

async function toExternalMessageFormat(message, roomId, homeServerDomain) {
  const { MentionPill } = require('@rocket.chat/forked-matrix-bot-sdk');
  let text = await replaceMentions(message, GENERAL_MENTIONS, () => MentionPill.forRoom(roomId));
  text = await replaceMentions(text, MENTIONS_OF_EXTERNAL_USERS, (m) => MentionPill.forUser(m.trimStart()));
  text = await replaceMentions(text, MENTIONS_OF_INTERNAL_USERS,
    (m) => MentionPill.forUser(`${m.trimStart()}:${homeServerDomain}`));
  return markdownToHtml(text.trim()).replace(/\s+/g, ' ').trim();
}

async function toExternalQuoteMessageFormat(message, roomId, eventId, sender, homeServerDomain) {
  const { RichReply } = require('@rocket.chat/forked-matrix-bot-sdk');
  const html = markdownToHtml(message);
  const finalHtml = markdownToHtml(await toExternalMessageFormat(message, roomId, homeServerDomain));
  const replyTo = { event_id: eventId, sender };
  return { formattedMessage: RichReply.createFor(roomId, replyTo, html, finalHtml).formatted_body,
    message: RichReply.createFor(roomId, replyTo, message, finalHtml).body };
}

// Bridge.ts getMsgTypeBasedOnMimeType().
function msgTypeForMimeType(mimeType) {
  if (['image/jpeg', 'image/png', 'image/gif'].includes(mimeType)) return 'm.image';
  if (['audio/mpeg', 'audio/ogg', 'audio/wav'].includes(mimeType)) return 'm.audio';
  if (['video/mp4', 'video/ogg', 'video/webm'].includes(mimeType)) return 'm.video';
  return 'm.file';
}

function homeserverOrigin(domain) {
  return new URL(`https://${domain}`).hostname;
}

async function main() {
  const args = parseArgs(process.argv);
  if (args.dns) useDnsServer(args.dns);
  const settings = await readSettings(args);
  const events = fs.openSync(args.events, 'a');
  const record = (entry) => fs.writeSync(events, `${JSON.stringify({ at: Date.now(), ...entry })}\n`);

  const { Bridge, AppServiceRegistration, MatrixUser } = require('@rocket.chat/forked-matrix-appservice-bridge');
  const registration = registrationFromSettings(settings);
  const domain = settings.Federation_Matrix_homeserver_domain;
  const ephemeral = settings.Federation_Matrix_enable_ephemeral_events === true;
  const bridge = new Bridge({
    homeserverUrl: settings.Federation_Matrix_homeserver_url,
    domain,
    registration: AppServiceRegistration.fromObject(registration),
    disableStores: true,
    controller: {
      onEvent: (request) => {
        const event = request.getData();
        // Bridge.ts drops m.room.message events sent from its own homeserver before they reach Rocket.Chat.
        const sender = event.sender || '';
        const ownMessage = event.type === 'm.room.message'
          && homeserverOrigin(sender.slice(sender.indexOf(':') + 1)) === homeserverOrigin(domain);
        record({ handler: 'onEvent', forwarded_to_rocketchat: !ownMessage, event });
      },
      onLog: (line, isError) => {
        process.stdout.write(`${isError ? 'ERROR ' : ''}${line}\n`);
      },
      ...(ephemeral ? {
        onEphemeralEvent: (request) => {
          record({ handler: 'onEphemeralEvent', forwarded_to_rocketchat: true, event: request.getData() });
        },
      } : {}),
    },
  });

  const bridgeUrl = new URL(settings.Federation_Matrix_bridge_url);
  await bridge.run(bridgePort(settings.Federation_Matrix_bridge_url), undefined, bridgeUrl.hostname);
  bridge.addAppServicePath({
    method: 'POST',
    path: '/_matrix/app/v1/ping',
    checkToken: true,
    handler: (_req, res) => {
      record({ handler: 'ping', event: {} });
      res.status(200).json({});
    },
  });

  const actions = {
    // Bridge.ts ping(): the appservice ping, which the homeserver answers after it pinged this bridge.
    ping: async () => bridge.getIntent().matrixClient.doRequest(
      'POST', `/_matrix/client/v1/appservice/${settings.Federation_Matrix_id}/ping`, {}, {}, 60000),
    // Bridge.ts createUser(): a Rocket.Chat user as a Matrix user of the bridge's namespace.
    provision: async ({ username, name }) => {
      const userId = `@${username.toLowerCase()}:${domain}`;
      await bridge.provisionUser(new MatrixUser(userId), { name });
      return { user_id: userId };
    },
    // Bridge.ts joinRoom(): the room id in the path as is, the via servers as server_name.
    join: async ({ user_id: userId, room_id: roomId, via }) => bridge.getIntent(userId).matrixClient.doRequest(
      'POST', `/_matrix/client/v3/join/${roomId}`, { server_name: via }, {}, 180000),
    // Bridge.ts sendMessage(): body with RC emoji shortnames converted, formatted_body from toExternalMessageFormat.
    send: async ({ user_id: userId, room_id: roomId, msg }) => ({
      event_id: await bridge.getIntent(userId).matrixClient.sendRawEvent(roomId, 'm.room.message', {
        msgtype: 'm.text',
        body: escapeEmojis(msg),
        formatted_body: escapeEmojis(await toExternalMessageFormat(msg, roomId, domain)),
        format: 'org.matrix.custom.html',
      }),
    }),
    // Bridge.ts updateMessage(): the m.replace edit, m.new_content with format and formatted_body.
    edit: async ({ user_id: userId, room_id: roomId, event_id: eventId, msg }) => {
      const html = escapeEmojis(await toExternalMessageFormat(msg, roomId, domain));
      return { event_id: await bridge.getIntent(userId).matrixClient.sendEvent(roomId, 'm.room.message', {
        'body': ` * ${escapeEmojis(msg)}`,
        'format': 'org.matrix.custom.html',
        'formatted_body': html,
        'm.new_content': { body: escapeEmojis(msg), format: 'org.matrix.custom.html', formatted_body: html,
          msgtype: 'm.text' },
        'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
        'msgtype': 'm.text',
      }) };
    },
    // Bridge.ts sendReplyToMessage(): the quote as a reply with RichReply's fallbacks.
    reply: async ({ user_id: userId, room_id: roomId, event_id: eventId, original_sender: sender, msg }) => {
      const { formattedMessage, message } = await toExternalQuoteMessageFormat(escapeEmojis(msg), roomId, eventId,
        sender, domain);
      return { event_id: await bridge.getIntent(userId).matrixClient.sendEvent(roomId, 'm.room.message', {
        'body': message,
        'format': 'org.matrix.custom.html',
        'formatted_body': formattedMessage,
        'm.relates_to': { 'm.in_reply_to': { event_id: eventId } },
        'msgtype': 'm.text',
      }) };
    },
    // Bridge.ts sendMessageFileToRoom(): intent.uploadContent(content) without options, then intent.sendMessage.
    file: async ({ user_id: userId, room_id: roomId, content_b64: data, filename, mimetype, width, height }) => {
      const content = Buffer.from(data, 'base64');
      const intent = bridge.getIntent(userId);
      const url = await intent.uploadContent(content);
      const { event_id: eventId } = await intent.sendMessage(roomId, {
        body: filename,
        filename,
        info: { size: content.length, mimetype, ...(height && width ? { h: height, w: width } : {}) },
        msgtype: msgTypeForMimeType(mimetype),
        url,
      });
      return { event_id: eventId, url };
    },
    // Bridge.ts getReadStreamForFileFromUrl(): fetch(convertMatrixUrlToHttp()), i.e. the bot SDK's mxcToHttp() on
    // Rocket.Chat's homeserver, without an access token. Rocket.Chat reads the body whatever the status.
    download: async ({ user_id: userId, url }) => {
      const httpUrl = bridge.getIntent(userId).matrixClient.mxcToHttp(url);
      const response = await fetch(httpUrl);
      return { status: response.status, url: httpUrl,
        content_b64: Buffer.from(await response.arrayBuffer()).toString('base64') };
    },
    // Bridge.ts sendMessageReaction(): m.annotation keyed with the RC shortname converted to unicode.
    react: async ({ user_id: userId, room_id: roomId, event_id: eventId, reaction }) => ({
      event_id: await bridge.getIntent(userId).matrixClient.sendEvent(roomId, 'm.reaction', {
        'm.relates_to': { event_id: eventId, key: escapeEmojis(reaction), rel_type: 'm.annotation' },
      }),
    }),
    // Bridge.ts redactEvent().
    redact: async ({ user_id: userId, room_id: roomId, event_id: eventId }) => ({
      event_id: await bridge.getIntent(userId).matrixClient.redactEvent(roomId, eventId),
    }),
    // Bridge.ts setRoomPowerLevels(): intent.setPowerLevel() as the room owner.
    power: async ({ user_id: owner, room_id: roomId, target, level }) => bridge.getIntent(owner)
      .setPowerLevel(roomId, target, level),
    // Bridge.ts inviteToRoom().
    invite: async ({ user_id: inviter, room_id: roomId, invitee }) => bridge.getIntent(inviter)
      .invite(roomId, invitee),
    // Bridge.ts createDirectMessageRoom().
    create_dm: async ({ user_id: creator, invitees, extra }) => {
      const room = await bridge.getIntent(creator).createRoom({
        createAsClient: true,
        options: { visibility: 'private', preset: 'private_chat', is_direct: true, invite: invitees,
          creation_content: {
            was_internally_programatically_created: true, ...(extra || {}), inviteesExternalIds: invitees,
          } },
      });
      return { room_id: room.room_id };
    },
    // Bridge.ts uploadContent() (with the name and type Rocket.Chat passes) and setUserAvatar().
    avatar: async ({ user_id: userId, content_b64: data, name, type }) => {
      const intent = bridge.getIntent(userId);
      const url = await intent.uploadContent(Buffer.from(data, 'base64'), { name, type });
      await intent.matrixClient.setAvatarUrl(url);
      return { url };
    },
    // Bridge.ts getUserProfileInformation(): through the intent of the user asked about; any error is swallowed
    // (the method answers undefined, here {}).
    profile: async ({ user_id: userId }) => {
      try {
        const info = await bridge.getIntent(userId).getProfileInfo(userId, undefined, false);
        return { displayName: info.displayname || '', ...(info.avatar_url ? { avatarUrl: info.avatar_url } : {}) };
      } catch (err) {
        return {};
      }
    },
    // Bridge.ts notifyUserTyping().
    typing: async ({ user_id: userId, room_id: roomId, typing }) => bridge.getIntent(userId).sendTyping(roomId, typing),
  };

  const control = http.createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/state') {
      return reply(200, { running: true, bridge_port: bridgePort(settings.Federation_Matrix_bridge_url),
        domain, ephemeral, registration_id: registration.id });
    }
    if (req.method === 'GET' && req.url === '/events') {
      return reply(200, fs.readFileSync(args.events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    }
    const action = req.method === 'POST' && actions[req.url.slice(1)];
    if (!action) return reply(404, { error: 'unknown' });
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', async () => {
      try {
        reply(200, (await action(data ? JSON.parse(data) : {})) || {});
      } catch (err) {
        reply(502, { error: String(err && (err.body ? JSON.stringify(err.body) : err.message || err)) });
      }
    });
    return undefined;
  });
  control.listen(parseInt(args['control-port'], 10), '127.0.0.1');
}

main().catch((err) => {
  process.stderr.write(`bridge peer failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
