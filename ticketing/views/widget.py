"""The embeddable booking widget: a script a venue pastes on its own website
(`<script src="https://<venue host>/widget.js" data-show="<slug>" async></script>`) that
draws an iframe listing the show's performances with their availability, in the venue's
colours; "Book" opens the storefront's performance page in a new tab.

Only the iframe page may be framed, by any site (CSP `frame-ancestors *`, no
X-Frame-Options): it shows public information and links, and changes nothing. Every other
page keeps `X-Frame-Options: DENY`. The checkout opens in a tab of its own rather than in the
frame: browsers block the storefront's cookies inside another site's frame (third-party
cookies), which a cart and a payment need.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt

from ticketing import selectors
from ticketing.models import Show
from ticketing.selectors.space import PUBLIC_STATUSES


@cache_control(public=True, max_age=300)
def widget_script(request):
    origin = request.build_absolute_uri("/").rstrip("/")
    script = render_to_string("ticketing/widget/widget.js", {"origin": origin})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@xframe_options_exempt
def widget_show(request, slug: str):
    show = get_object_or_404(Show, slug=slug)
    performances = [p for p in selectors.upcoming_performances(public=True) if p.show_id == show.pk]
    if not performances and not show.performances.filter(status__in=PUBLIC_STATUSES).exists():
        raise Http404  # a show still in preparation is not public
    context = {"show": show, "performances": selectors.with_sale_hints(performances)}
    response = render(request, "ticketing/widget/show.html", context)
    response["Content-Security-Policy"] = "frame-ancestors *"
    return response


urlpatterns = [
    path("widget.js", widget_script, name="widget_script"),
    path("widget/shows/<slug:slug>/", widget_show, name="widget_show"),
]
