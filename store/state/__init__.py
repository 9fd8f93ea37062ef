"""What the bot remembers between requests: thread memory, feedback, de-duplication, locks.

`base.py` holds one small protocol per kind; each has a backend for one machine (memory or
a file in the data dir) and one for several replicas (Redis, a SQL server), and
`factory.py` picks them from the settings (REDIS_URL, KZ_DATABASE_URL).
"""
