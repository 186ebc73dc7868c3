// Preloaded into kinesis-local (`node -r`): it has no host setting and would listen on every interface,
// so every TCP listen is pinned to the loopback address.
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first) && first.path === undefined) {
    args[0] = { ...first, host: LOOPBACK };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') args[1] = LOOPBACK;
    else args.splice(1, 0, LOOPBACK);
  }
  return listen.apply(this, args);
};

// The parent talks to us over an IPC channel only to be noticed when it dies, however it dies:
// the channel closes and the engine goes with it instead of lingering as an orphan.
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(0));
  process.channel?.unref();
}
