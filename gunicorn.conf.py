"""gunicorn's settings for the portal: `gunicorn wsgi:app`, started in the repository root, reads this file.

bench/scenario_respond.py serves the parent's pages with this same file, so its figures
(bench/results/respond.json) are what this setting gives. The bind address, logging and
the like belong to the deployment (command line or GUNICORN_CMD_ARGS), not here.
"""

# One worker process per core: a page is CPU-bound Python, so more processes than cores only queue
# for the same cores. Threads let a worker go on with another request while one waits for the
# database or a slow client, but they queue for the worker's GIL: on the 2-core bench machine 1 or 2
# threads served more than 4 or 8 (figures in commit 56a9dc2). Re-measure with
# `python -m bench.run respond` on the real server, one worker per core.
workers = 2
worker_class = "gthread"
threads = 2
# Each worker keeps up to two PostgreSQL pools (portal/db.py: one for requests that write, one for
# read-only requests), each holding at most one connection per thread in use.


# prometheus-client's multiprocess mode (portal/metrics.py): with PROMETHEUS_MULTIPROC_DIR set, each
# worker writes its request figures to files there and /metrics sums them over all workers. The
# folder must start empty, and a worker that exits must be marked dead so that its live gauges go.
def on_starting(server: object) -> None:
    import os
    from pathlib import Path

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        for left in Path(folder).glob("*.db"):  # from an earlier run of the server
            left.unlink()


def child_exit(server: object, worker: object) -> None:
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]

# The access log (when the deployment turns it on) never holds a parent's link: /s/<token> is
# written /s/… . The token is the only key to a family's answers, and logs travel further than
# the database (log shippers, support tickets).
import re  # noqa: E402  (gunicorn reads this file as settings; the logger is the one piece of code)

from gunicorn.glogging import Logger  # noqa: E402

LINK = re.compile(r"/s/[^/?#\s]+")


class LinkHidingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]  # gunicorn's hook
        atoms = super().atoms(resp, req, environ, request_time)
        # every text a log format can name: the request line, path, referrer, headers, environ
        return {name: LINK.sub("/s/…", value) if isinstance(value, str) else value
                for name, value in atoms.items()}


logger_class = LinkHidingLogger
