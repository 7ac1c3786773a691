"""`{% latest_updates %}`: the newest update posts for the overview, owned here so that the
overview (policies) never imports this app."""

from django import template

from trustcenter.updates.models import UpdatePost
from trustcenter.updates.views import visible_posts

register = template.Library()


@register.inclusion_tag("updates/_latest.html", takes_context=True)
def latest_updates(context, count: int = 3):

    # `header_user` is None without a session cookie, so anonymous pages stay cacheable.
    user = context.get("header_user")
    user = user if user is not None and user.is_authenticated else None
    if user is None:
        posts = list(UpdatePost.objects.public().newest_first()[:count])
    else:
        posts = visible_posts(user, UpdatePost.objects.newest_first()[: count * 4])[:count]
    return {"posts": posts, "content_lang": context.get("content_lang", "")}
