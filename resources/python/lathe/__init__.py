"""Lathe's job client: record metrics, parameters, tags and artifacts from a job run by Lathe.

Pure standard library. Calls only append to an in-memory buffer; a background thread writes it to the
run's metrics file every half second (and at exit), so a training loop pays microseconds per call.
Outside Lathe (no LATHE_RUN_DIR) every call is a no-op, announced once on stderr.
"""
import atexit
import json
import math
import os
import sys
import threading
import time

__all__ = ["log_metric", "log_metrics", "log_params", "set_tags", "log_artifact", "params", "flush"]

_RUN_DIR = os.environ.get("LATHE_RUN_DIR")
_lock = threading.Lock()
_buf = []
_steps = {}
_file = None
_warned = False


def _record(rec):
    global _warned
    if not _RUN_DIR:
        if not _warned:
            _warned = True
            print("lathe: not running under Lathe; metrics and params are not recorded", file=sys.stderr)
        return
    with _lock:
        _buf.append(rec)


def flush():
    """Writes buffered records to the run's metrics file now."""
    global _file
    with _lock:
        if not _buf or not _RUN_DIR:
            return
        lines = [json.dumps(r, separators=(",", ":")) for r in _buf]
        _buf.clear()
        if _file is None:
            _file = open(os.path.join(_RUN_DIR, "metrics.jsonl"), "a", encoding="utf-8")
        _file.write("\n".join(lines) + "\n")
        _file.flush()


def log_metric(name, value, step=None):
    """Records one value of a metric; `step` defaults to one more than the metric's last step."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return
    if step is None:
        step = _steps.get(name, -1) + 1
    _steps[name] = step
    _record({"k": "m", "n": str(name), "v": value, "s": step, "t": time.time()})


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
        time.sleep(0.5)
        try:
            flush()
        except Exception as exc:  # a full disk must not kill the training loop
            print("lathe: cannot write metrics: %s" % exc, file=sys.stderr)


if _RUN_DIR:
    threading.Thread(target=_loop, name="lathe-metrics", daemon=True).start()
    atexit.register(flush)
