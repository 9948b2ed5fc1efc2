from django.db import migrations, models


def fill_families(apps, schema_editor):
    # Only ShortPixel items are deduped by source; v1 and S3 items stay alone in their family.
    from optimizer.options import family, spec_from_json

    Item = apps.get_model("optimizer", "Item")
    shortpixel = Item.objects.filter(job__face="shortpixel", family="")
    for item in shortpixel.only("pk", "source_url", "source_sha256", "options").iterator():
        source = {"url": item.source_url} if item.source_url else {"sha256": item.source_sha256}
        Item.objects.filter(pk=item.pk).update(family=family(source, spec_from_json(item.options)))


class Migration(migrations.Migration):
    dependencies = [
        ("optimizer", "0003_webhooks_s3"),
    ]

    operations = [
        migrations.AddField(
            model_name="item",
            name="family",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(fields=["account", "family"], name="item_account_family"),
        ),
        migrations.RunPython(fill_families, migrations.RunPython.noop),
    ]
