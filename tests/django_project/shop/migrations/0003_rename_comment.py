from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_index_and_check")]

    operations = [migrations.RenameField(model_name="order", old_name="comment", new_name="note")]
