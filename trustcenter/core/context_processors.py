from trustcenter.core.company import load_company


def site(request):
    return {"company": load_company()}
