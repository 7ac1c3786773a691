"""Engagement for sales: who signed, requested, read and downloaded what, per organization and account."""

from django.http import HttpResponse

from trustcenter.api.views import api_staff_required


@api_staff_required
def summary(request):
    return HttpResponse("")


@api_staff_required
def summary_csv(request):
    return HttpResponse("")


@api_staff_required
def organization_timeline(request, pk):
    return HttpResponse("")
