from django.apps import AppConfig


class PublicSiteConfig(AppConfig):
    """The public trust center as a whole: the anonymous page cache and the static export."""

    name = "trustcenter.publicsite"
    label = "publicsite"
    verbose_name = "Public site"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from trustcenter.core.company import company_path
        from trustcenter.lib.pagecache import content_changed, forget_requests, watch_file

        # Every write to an app that feeds public pages (settings.PUBLICATION_APPS) bumps the
        # publication stamp, whichever path made it: publish, the admin editor, a shell.
        for name, signal in (("save", post_save), ("delete", post_delete), ("m2m", m2m_changed)):
            signal.connect(content_changed, dispatch_uid=f"trustcenter.publicsite.content_changed.{name}")
        # The company profile is read from its file, not the database: an edit shows without a publication.
        watch_file(company_path)
        # What the WSGI fast path remembers about requests depends on settings (hosts, languages).
        setting_changed.connect(forget_requests, dispatch_uid="trustcenter.publicsite.forget_requests")
