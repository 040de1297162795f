"""gunicorn's settings for the portal: `gunicorn wsgi:app`, started in the repository root, reads this file.

bench/scenario_respond.py serves the parent's pages with this same file, so its figures
(bench/results/respond.json) are what this setting gives. The bind address, logging and
the like belong to the deployment (command line or GUNICORN_CMD_ARGS), not here.
"""

# One worker process per core: a page is CPU-bound Python (~0.6 ms), so more processes than cores
# only queue for the same two cores. Threads let a worker go on rendering while one request waits
# for PostgreSQL or for SQLite's write lock. Measured on this 2-core machine (32 connections, GET and
# a real save, SQLite and PostgreSQL, 5 s runs while other benchmarks shared the machine): 2 x 4
# threads, 2 x 2 and 2 x 1 were within the run-to-run noise of each other (about +-30 %), and 3 or 4
# single-threaded workers were no better; 2 x 4 gave the most even figures on PostgreSQL, so we keep
# it. Re-measure with `python -m bench.run respond` on the real server, one worker per core.
workers = 2
worker_class = "gthread"
threads = 4
