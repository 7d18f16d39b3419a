"""A local Dask cluster without HTTP servers, on free ports.

``distributed``'s scheduler and workers always start an HTTP server (the dashboard's), on
port 8787 for the scheduler unless told otherwise — and when 8787 is taken they warn and move.
A sweep asks for no dashboard, so here neither the scheduler nor any worker listens on HTTP at
all (:class:`QuietScheduler`, :class:`QuietWorker`), and the scheduler's own port is chosen by
the system. ``dashboard=":8787"`` (``siting sweep --dashboard``) starts the usual
``LocalCluster`` with its dashboard at that address.
"""

from __future__ import annotations

import logging

from distributed import Nanny, Scheduler, SpecCluster, Worker


class _NoHttp:
    def start_http_server(self, routes, dashboard_address, default_port=0, ssl_options=None):
        """The routes are kept (other parts of ``distributed`` add to the application) but
        no socket is opened."""
        from distributed.http.routing import RoutingApplication
        from tornado.httpserver import HTTPServer

        self.http_application = RoutingApplication(routes)
        self.http_server = HTTPServer(self.http_application)


class QuietScheduler(_NoHttp, Scheduler):
    """A scheduler with no HTTP server."""


class QuietWorker(_NoHttp, Worker):
    """A worker with no HTTP server."""


def local_cluster(n_workers: int, dashboard: str | None = None):
    """``n_workers`` single-threaded worker processes on 127.0.0.1, all ports chosen by the
    system; an HTTP dashboard only if ``dashboard`` (an address such as ``":8787"``)."""
    if dashboard:
        from distributed import LocalCluster

        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            dashboard_address=dashboard, silence_logs=logging.WARNING)
    scheduler = {"cls": QuietScheduler,
                 "options": {"host": "127.0.0.1", "port": 0, "dashboard": False,
                             "dashboard_address": None}}
    worker = {"cls": Nanny, "options": {"nthreads": 1, "host": "127.0.0.1",
                                        "worker_class": QuietWorker, "dashboard": False,
                                        "silence_logs": logging.ERROR}}
    return SpecCluster(scheduler=scheduler, workers={i: worker for i in range(n_workers)},
                       silence_logs=logging.ERROR, name="siting-sweep")
