"""Policy text stored before images were left out is rendered again without them (issue 12, item 12: a remote image
in a policy's Markdown is a tracking pixel). Only versions whose stored HTML holds an ``<img`` change."""

import markdown
import nh3
from django.db import migrations


def rerender_without_images(apps, schema_editor):
    PolicyVersion = apps.get_model("aup", "PolicyVersion")
    tags = set(nh3.ALLOWED_TAGS - {"img", "map", "area"})
    for version in PolicyVersion.objects.filter(body_html__icontains="<img").iterator():
        html = markdown.markdown(version.body_markdown or "", extensions=["extra", "sane_lists"], output_format="html")
        version.body_html = nh3.clean(html, tags=tags) if version.body_markdown else ""
        version.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("aup", "0006_calendarfeedtoken"),
    ]

    operations = [
        migrations.RunPython(rerender_without_images, migrations.RunPython.noop),
    ]
