"""gunicorn settings for CoachLearn (`make serve`, deploy/systemd/coachlearn-web.service).

Everything an operator tunes comes from the environment; the command line still wins
(`--bind`, `--workers`). Two instances on one machine share nothing: no control socket,
no pid file, a metrics folder each.
"""

import os
import shutil
import tempfile

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# gunicorn's advice: 2 × cores + 1 processes.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
# Threads keep a slow client (a video seek, a PDF download) from holding a whole process.
# A worker's connection pool (DB_POOL_MAX_SIZE, 4) holds one connection per thread, so no
# request waits for a connection while the database is well.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A request that takes longer than this is killed with its worker: no page takes a second,
# a certificate PDF renders in well under one, uploads stream to storage as they come.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# A fresh process now and then keeps a slow leak (in any library) from growing for ever.
max_requests = 2000
max_requests_jitter = 200
# The app writes one line per request with its id, status, time and user id
# (coachlearn/request_log.py). gunicorn's own access log repeats it from the outside, with
# the same id: off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 25+ opens a control socket in a fixed place by default; a second instance on the
# same machine would take it over. We do not use it.
control_socket_disable = True

# Prometheus counts live in each worker; in multiprocess mode every worker writes them to
# a folder and /metrics sums them. A folder of this instance's own, removed at exit.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    _metrics_dir = tempfile.mkdtemp(prefix="coachlearn-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
else:
    _metrics_dir = None


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
