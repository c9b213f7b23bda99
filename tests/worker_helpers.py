"""Running the RQ worker inside a test: one burst over the queue, in this process."""

from rq import Queue, SimpleWorker


class _Worker(SimpleWorker):
    """A worker in this process, without the command channel: its listening thread can take a
    minute to stop when a burst ends before the subscription is confirmed."""

    def subscribe(self):
        pass

    def unsubscribe(self):
        pass


def work_off(queue: Queue) -> None:
    """Run every job waiting on ``queue``, in this process, and return when it is empty."""
    _Worker([queue], connection=queue.connection).work(burst=True)
