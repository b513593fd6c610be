"""The values the embedded default runs on. They are published in this
repository, so `manage.py check --deploy` refuses a site that still uses them
(see callcenter/checks.py)."""

EMBEDDED_SECRET_KEY = "insecure-embedded-default-key-set-DJANGO_SECRET_KEY-in-production"
# voicesim's account and token (voicesim/app.py), public by design.
VOICESIM_AUTH_TOKEN = "voicesim-auth-token"
VOICESIM_API_BASE_URL = "http://127.0.0.1:8765"
