/**
 * A jupyter_server config file that turns off Nagle's algorithm on kernel WebSockets. jupyter_server 1.x never
 * does, which adds ~40 ms to every kernel message (measured: a `1+1` round trip 44 ms → 4 ms, an interrupt
 * 1.1 s → 70 ms). It wraps the channel handler's `open` with tornado's `set_nodelay(True)`, for the 1.x
 * handler and the 2.x one, and prints a marker line so the supervisor can tell it was applied.
 */
export const NODELAY_MARKER = 'lathe: kernel websockets use TCP_NODELAY';

export const NODELAY_CONFIG = `# Written by Lathe; regenerated on every start.
import sys

def _lathe_patch(cls):
    original = cls.open
    if getattr(original, '_lathe_nodelay', False):
        return
    def open(self, *args, **kwargs):
        try:
            self.set_nodelay(True)
        except Exception as e:  # never break a kernel connection over a latency tweak
            self.log.warning('lathe: set_nodelay failed: %s', e)
        return original(self, *args, **kwargs)
    open._lathe_nodelay = True
    cls.open = open

_patched = []
try:
    from jupyter_server.services.kernels.handlers import ZMQChannelsHandler
    _lathe_patch(ZMQChannelsHandler)
    _patched.append('ZMQChannelsHandler')
except ImportError:
    pass
try:
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    _lathe_patch(KernelWebsocketHandler)
    _patched.append('KernelWebsocketHandler')
except ImportError:
    pass
print('${NODELAY_MARKER} (%s)' % ', '.join(_patched) if _patched else 'lathe: no kernel websocket handler found to patch', file=sys.stderr, flush=True)
`;
