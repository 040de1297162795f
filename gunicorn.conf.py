"""gunicorn's settings for the portal: `gunicorn wsgi:app`, started in the repository root, reads this file.

bench/scenario_respond.py serves the parent's pages with this same file, so its figures
(bench/results/respond.json) are what this setting gives. The bind address, logging and
the like belong to the deployment (command line or GUNICORN_CMD_ARGS), not here.
"""

# One worker process per core: a page is CPU-bound Python (~0.6 ms), so more processes than cores
# only queue for the same two cores. Threads let a worker go on with another request while one waits
# for PostgreSQL, for SQLite's write lock or for a slow client, but they queue for the worker's GIL:
# measured on this 2-core machine with PostgreSQL on the same cores (32 connections, 4 s runs, GET and
# a real save; 2-3 runs each, 2026-11-22), portal req/s and p99:
#   2 x 1 thread:  GET 1,530-1,855, p99 24-25 ms;  POST 1,390-1,560, p99 28-30 ms
#   2 x 2 threads: GET 1,465-1,710, p99 30-33 ms;  POST 1,180-1,435, p99 38-45 ms
#   2 x 4 threads: GET 1,210-1,570, p99 37-39 ms;  POST 1,190-1,350, p99 40-49 ms
#   2 x 8 threads: GET   805-1,125, p99 234 ms;    POST 1,125-1,225, p99 136 ms
# (3 x 1, 4 x 1 and 3 x 2 were no better than 2 x 1; on SQLite 2 x 1 and 2 x 4 were alike.) We take
# 2 threads: most of the single thread's gain, and a slow client or a database on another machine
# (longer waits than here) does not stall a whole worker. Re-measure with `python -m bench.run
# respond` on the real server, one worker per core.
workers = 2
worker_class = "gthread"
threads = 2
# Each worker keeps up to three PostgreSQL pools (portal/db.py: transactions, read-only requests,
# single-statement saves), each holding at most one connection per thread in use: 2 x 2 x 3 = 12 here.

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
