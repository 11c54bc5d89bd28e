/** Where a packed env keeps its manifest, relative to the env root. */
export const MANIFEST_PATH = '.lathe-pack/manifest.json';

/**
 * `bin/conda-unpack` written into every archive, as conda-pack does: run with the env's python after a
 * plain `tar -xf`, it rewrites the old prefix to the folder it now lives in, using the manifest (text
 * files: plain replacement; binaries: inside NUL-terminated strings, padded, refusing a longer prefix),
 * and fixes `bin/` shebangs. Standard library only, Python 3.6+.
 */
export const CONDA_UNPACK_SCRIPT = `#!/usr/bin/env python3
"""Relocate this conda env to where it was unpacked (written by Lathe, conda-pack compatible)."""
import json, os, sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(here, '.lathe-pack', 'manifest.json'), encoding='utf-8') as f:
    manifest = json.load(f)
old = manifest['sourcePrefix'].encode()
new = here.encode()


def binary(data, path):
    if len(new) > len(old):
        sys.exit('conda-unpack: %s has the old prefix compiled in; the new prefix is longer (%d > %d). Unpack to a shorter path.' % (path, len(new), len(old)))
    out = bytearray(data)
    at = out.find(old)
    while at >= 0:
        end = out.find(b'\\0', at)
        end = len(out) if end < 0 else end
        s = bytes(out[at:end]).replace(old, new)
        out[at:at + len(s)] = s
        out[at + len(s):end] = b'\\0' * (end - at - len(s))
        at = out.find(old, at + len(s))
    return bytes(out)


if old != new:
    for entry in manifest['relocate']:
        path = os.path.join(here, *entry['path'].split('/'))
        if not os.path.realpath(path).startswith(os.path.realpath(here) + os.sep) or not os.path.isfile(path):
            continue
        with open(path, 'rb') as f:
            data = f.read()
        fixed = binary(data, entry['path']) if entry['mode'] == 'binary' else data.replace(old, new)
        if fixed != data:
            mode = os.stat(path).st_mode
            with open(path, 'wb') as f:
                f.write(fixed)
            os.chmod(path, mode)
    bindir = os.path.join(here, 'bin')
    for name in os.listdir(bindir) if os.path.isdir(bindir) else []:
        path = os.path.join(bindir, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, 'rb') as f:
            data = f.read()
        if not data.startswith(b'#!'):
            continue
        first, _, rest = data.partition(b'\\n')
        line = first
        if line.startswith(b'#!' + old + b'/'):
            line = b'#!' + new + line[2 + len(old):]
        if line.startswith(b'#!' + new + b'/') and len(line) > 127:
            interp = line[2:].split(b' ', 1)
            line = b'#!/usr/bin/env ' + os.path.basename(interp[0]) + (b' ' + interp[1] if len(interp) > 1 else b'')
        if line != first:
            with open(path, 'wb') as f:
                f.write(line + b'\\n' + rest)
print('conda-unpack: relocated to %s' % here)
`;
