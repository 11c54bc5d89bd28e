"""Lathe's job client: record metrics, parameters, tags and artifacts from a job run by Lathe.

Pure standard library. Calls only append to an in-memory buffer; a background thread writes it to the
run's metrics file every half second (and at exit), so a training loop pays microseconds per call.
Outside Lathe (no LATHE_RUN_DIR) every call is a no-op, announced once on stderr.
"""
import atexit
import base64
import json
import os
import sys
import threading
from array import array
from time import time as _now

__all__ = ["log_metric", "log_metrics", "log_params", "set_tags", "log_artifact", "params", "flush"]

_RUN_DIR = os.environ.get("LATHE_RUN_DIR")
# In a container on another host the run folder is not shared with Lathe: records go over stderr, each on its own
# line after a marker, and Lathe files them as it follows the logs.
_TO_STDERR = os.environ.get("LATHE_METRICS_STREAM") == "stderr"
_MARKER = "\x1elathe-metrics "
_lock = threading.Lock()
_io_lock = threading.Lock()
# Metric points are buffered as tuples (name, value, step, time) and other records as ready JSON strings;
# the JSON for points is written at flush time, off the caller's path.
_buf = []
_steps = {}
_names = {}
_file = None
_warned = False
_INF = float("inf")
# Records buffered past this many are flushed at once rather than at the next half-second tick.
_EARLY_FLUSH = 20000
_wake = threading.Event()
_BIG_ENDIAN = sys.byteorder == "big"


def _b64(col):
    return base64.b64encode(col.tobytes()).decode("ascii")


def _warn():
    global _warned
    if not _warned:
        _warned = True
        print("lathe: not running under Lathe; metrics and params are not recorded", file=sys.stderr)


def _record(rec):
    if not _RUN_DIR:
        _warn()
        return
    line = json.dumps(rec, separators=(",", ":"))
    with _lock:
        _buf.append(line)


def flush():
    """Writes buffered records to the run's metrics file now."""
    if not _RUN_DIR:
        return
    # One flush at a time: the exit flush waits for the thread's, so no batch is cut off at exit.
    with _io_lock:
        _flush()


def _flush():
    global _file, _buf
    with _lock:
        if not _buf:
            return
        buf, _buf = _buf, []
    parts = []
    # Points go out as one record per metric and flush: values, steps and times as columns of little-endian
    # float64 in base64 ({"k":"b",...}). Formatting a million floats as text took a second of the job's CPU.
    cols = {}
    for r in buf:
        if r.__class__ is str:
            parts.append(r)
            continue
        v = r[1]
        if v.__class__ is not float:
            try:
                v = float(v)
            except Exception as exc:  # a tensor of several values, say: say so, keep the rest
                print("lathe: metric %s at step %s is not a single number (%s); skipped" % (r[0], r[2], exc), file=sys.stderr)
                continue
            if v != v or v == _INF or v == -_INF:
                continue
        step = r[2]
        if step.__class__ is not int and step.__class__ is not float:
            try:
                step = float(step)
            except Exception:
                print("lathe: metric %s has a step that is not a number (%r); skipped" % (r[0], r[2]), file=sys.stderr)
                continue
        c = cols.get(r[0])
        if c is None:
            c = cols[r[0]] = (array("d"), array("d"), array("d"))
        c[0].append(v)
        c[1].append(step)
        c[2].append(r[3])
    for name, c in cols.items():
        n = _names.get(name)
        if n is None:
            n = _names[name] = json.dumps(str(name))
        if _BIG_ENDIAN:
            for col in c:
                col.byteswap()
        parts.append('{"k":"b","n":%s,"v":"%s","s":"%s","t":"%s"}' % (n, _b64(c[0]), _b64(c[1]), _b64(c[2])))
    if _TO_STDERR:
        # A partial line the job printed just before is split off by Lathe, so it stays the job's own text.
        sys.__stderr__.write("".join(_MARKER + p + "\n" for p in parts))
        sys.__stderr__.flush()
        return
    if _file is None:
        _file = open(os.path.join(_RUN_DIR, "metrics.jsonl"), "a", encoding="utf-8")
    _file.write("\n".join(parts) + "\n")
    _file.flush()


def log_metric(name, value, step=None):
    """Records one value of a metric; `step` defaults to one more than the metric's last step.

    `value` may be a number or a one-element tensor or array (PyTorch, NumPy, JAX, CuPy). A tensor is read in the
    background flush, not here: reading a GPU value waits for the GPU, and doing that on the training loop's thread
    would stall it at every call. NaN and infinite values are dropped.
    """
    cls = value.__class__
    if cls is float or cls is int:
        if value != value or value == _INF or value == -_INF:
            return
    elif hasattr(value, "detach"):
        # PyTorch: a detached copy (an asynchronous device op), so later in-place changes cannot alter it.
        value = value.detach().clone()
    elif not hasattr(value, "__array__"):
        value = float(value)
        if value != value or value == _INF or value == -_INF:
            return
    if step is None:
        step = _steps.get(name, -1) + 1
    _steps[name] = step
    if not _RUN_DIR:
        _warn()
        return
    with _lock:
        _buf.append((name, value, step, _now()))
        big = len(_buf) >= _EARLY_FLUSH
    if big:
        # A fast loop: hand the batch to Lathe now, so it is stored while the job keeps going.
        _wake.set()


def log_metrics(values, step=None):
    """Records several metrics at one step: log_metrics({"loss": 0.1, "acc": 0.9}, step=3)."""
    for name, value in values.items():
        log_metric(name, value, step)


def log_params(values):
    """Records parameters (a dict) of the run."""
    _record({"k": "p", "d": {str(k): v for k, v in dict(values).items()}})


def set_tags(values):
    """Records tags (a dict of strings) of the run."""
    _record({"k": "g", "d": {str(k): str(v) for k, v in dict(values).items()}})


def log_artifact(path):
    """Records a file the run produced (a model, a plot) by its absolute path."""
    _record({"k": "a", "p": os.path.abspath(path)})


def params():
    """The run's parameters from its spec (LATHE_PARAMS), or {} outside Lathe."""
    return json.loads(os.environ.get("LATHE_PARAMS") or "{}")


def _loop():
    while True:
        _wake.wait(0.5)
        _wake.clear()
        try:
            flush()
        except Exception as exc:  # a full disk must not kill the training loop
            print("lathe: cannot write metrics: %s" % exc, file=sys.stderr)


if _RUN_DIR:
    threading.Thread(target=_loop, name="lathe-metrics", daemon=True).start()
    atexit.register(flush)
