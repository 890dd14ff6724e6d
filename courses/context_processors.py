from django.utils.functional import SimpleLazyObject


def navigation(request):
    """The catalogue's URL for the site menu, looked up only when a template uses it."""

    def catalogue_url():
        from .models import CatalogueIndexPage

        catalogue = CatalogueIndexPage.objects.live().public().first()
        return catalogue.get_url(request) if catalogue else ""

    return {"catalogue_url": SimpleLazyObject(catalogue_url)}
