// Name resolution of the test peers through the lab's DNS server instead of the machine's resolver.
//
// @rocket.chat/federation-sdk takes the DNS servers for its SRV lookups from HOMESERVER_CONFIG_DNS_SERVERS; address
// lookups (getaddrinfo through node:dns lookup, also used by fetch() for the well-known request) go to the same
// server here, as a private resolv.conf would make them. Returns the list of SRV names queried, for the record.
'use strict';

const dns = require('node:dns');
const dnsPromises = require('node:dns/promises');

function useDnsServer(server) {
  process.env.HOMESERVER_CONFIG_DNS_SERVERS = server;
  const resolver = new dnsPromises.Resolver();
  resolver.setServers([server]);
  const queried = [];
  // Every resolver the SDK creates (`new Resolver()`, e.g. its key-fetch discovery) asks the lab server, as a
  // process-wide resolv.conf would make it.
  for (const method of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveSrv', 'resolveTxt']) {
    const original = dnsPromises.Resolver.prototype[method];
    dnsPromises.Resolver.prototype[method] = function viaLab(name, ...rest) {
      if (this !== resolver && !this.fedopsLab) {
        this.setServers([server]);
        this.fedopsLab = true;
      }
      if (method === 'resolveSrv') queried.push(name);
      return original.call(this, name, ...rest);
    };
  }
  const lookup = async (hostname, options = {}) => {
    const opts = typeof options === 'number' ? { family: options } : options || {};
    const found = [];
    for (const [family, query] of [[4, 'resolve4'], [6, 'resolve6']]) {
      if (opts.family && opts.family !== 0 && opts.family !== family) continue;
      try {
        for (const address of await resolver[query](hostname)) found.push({ address, family });
      } catch (err) {
        if (!['ENODATA', 'ENOTFOUND'].includes(err.code)) throw err;
      }
    }
    if (!found.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return opts.all ? found : found[0];
  };
  dnsPromises.lookup = lookup;
  const nativeLookup = dns.lookup;
  dns.lookup = function labLookup(hostname, options, callback) {
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'function' ? {} : options;
    if (/^[0-9.]+$/.test(hostname) || hostname === 'localhost') return nativeLookup(hostname, options, callback);
    lookup(hostname, opts).then((res) => {
      if (opts && opts.all) cb(null, res);
      else cb(null, res.address, res.family);
    }, (err) => cb(err));
    return undefined;
  };
  return queried;
}

module.exports = { useDnsServer };
