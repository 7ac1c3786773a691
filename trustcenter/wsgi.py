import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustcenter.settings")

from trustcenter.lib.pagecache import PageCacheApplication  # noqa: E402 - needs the settings above

# Anonymous hits on public pages are sent before Django handles the request (lib/pagecache.py).
application = PageCacheApplication(get_wsgi_application())
