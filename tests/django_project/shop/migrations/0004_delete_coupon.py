from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_rename_comment")]

    operations = [migrations.DeleteModel(name="Coupon")]
