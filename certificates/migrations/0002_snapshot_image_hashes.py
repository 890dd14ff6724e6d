"""Snapshots keep the SHA-256 of the organisation's images printed, no longer the images as
data URIs (~28 KB of base64 per document; the PDF holds the pixels)."""

import base64
import hashlib

from django.db import migrations


def images_to_hashes(apps, schema_editor):
    Document = apps.get_model("certificates", "Document")
    changed = []
    for document in Document.objects.only("id", "snapshot").iterator(chunk_size=200):
        images = (document.snapshot or {}).get("organisation", {}).get("images")
        if not images:
            continue
        converted = False
        for name, value in images.items():
            if isinstance(value, str) and value.startswith("data:"):
                data = base64.b64decode(value.partition(",")[2])
                images[name] = hashlib.sha256(data).hexdigest()
                converted = True
        if converted:
            changed.append(document)
        if len(changed) >= 200:
            Document.objects.bulk_update(changed, ["snapshot"])
            changed = []
    Document.objects.bulk_update(changed, ["snapshot"])


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(images_to_hashes, migrations.RunPython.noop),
    ]
