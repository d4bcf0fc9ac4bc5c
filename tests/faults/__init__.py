"""Fault tests with real processes: Redis stopped, PostgreSQL stopped, a worker killed mid-scan,
two beats at once, an import killed midway (issue 12).

They start private servers of their own (tests/faults/services.py) and never stop or reconfigure
the machine's shared PostgreSQL or Redis. They run in the PostgreSQL + Redis pass only.
"""
