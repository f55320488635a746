"""The fault suite: thousands of Stripe events delivered to a real sidecar while it is SIGKILLed and its
MariaDB restarted, then every FluentCart row compared with an oracle computed from the event list.

Layers, each importing only from those before it:

* :mod:`faults.builders` — the effects tests' Stripe object builders, reused behind typed signatures;
* :mod:`faults.plan` — the seeded FluentCart rows and the event list, derived from the seed alone;
* :mod:`faults.oracle` — the expected final rows and event statuses, computed from the plan;
* :mod:`faults.compare` — pure comparison of expected and actual rows (and of the inbox);
* :mod:`faults.snapshot` — reads and normalises the actual rows;
* :mod:`faults.procs` — the private MariaDB and the sidecar processes;
* :mod:`faults.sender` — a Stripe-like delivery client (re-signs, retries until acknowledged);
* :mod:`faults.run` — the driver (``python -m faults``).
"""
