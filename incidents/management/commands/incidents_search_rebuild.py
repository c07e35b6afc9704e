"""Rebuild the incident log's search texts (``incidents.services_search.search_documents_rebuild``) — after loading
incidents without the services, such as the benchmark trust (``make bench``)."""

from django.core.management.base import BaseCommand, CommandError

from incidents.services_search import search_documents_rebuild
from safeguard.directory.models import School


class Command(BaseCommand):
    help = "Rebuild the search text of every incident (or of one school's, with --school <slug>)."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="the slug of one school")

    def handle(self, *args, school=None, **options):
        target = None
        if school:
            target = School.objects.filter(slug=school).first()
            if target is None:
                raise CommandError(f"No school {school!r}.")
        count = search_documents_rebuild(school=target)
        self.stdout.write(f"Rebuilt the search text of {count} incidents.")
