"""gunicorn settings for the Procfile's web process (`gunicorn -c gunicorn.conf.py`).

Whether a request came over HTTPS through a trusted proxy is decided in one place, Django
(TRUSTED_PROXIES, salesmgmt.proxies). Left to its defaults gunicorn would decide too: it turns
`X-Forwarded-Proto: https` from any client on 127.0.0.1 into an https request before Django
sees it. So gunicorn derives no scheme from headers and lets no peer set forwarded WSGI
variables.
"""

secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
