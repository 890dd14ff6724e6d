from django.core.management.base import BaseCommand

from courses.referential import referential_load_all


class Command(BaseCommand):
    help = "Load or update the competence frameworks shipped with Parcours (DigComp 2.2, Pix)."

    def handle(self, *args, **options):
        for code, counts in referential_load_all().items():
            self.stdout.write(
                f"{code}: {counts['areas']} areas, {counts['competences']} competences, "
                f"{counts['levels']} levels"
            )
