"""gunicorn's settings for SARA casebook (`gunicorn --config gunicorn.conf.py wsgi:app`; gunicorn
also reads this file by itself when started from this directory).

The access log names the path, never the query string or the referrer: the API's caller lookup
(`GET /api/v1/lookup?name=...&phone=...`) and search (`/search?q=...`) carry names and phone numbers
there, and the referrer carries the previous page's. An access log is kept and read far more widely
than the audit log, which records what was looked up for those who may read it.
"""

# gunicorn's default is '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"', where %(r)s
# is the request line with its query string and %(f)s the referrer. %(U)s is the path alone.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
