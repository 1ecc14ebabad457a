from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddIndex(model_name="product",
                            index=models.Index(fields=["created_at"], name="shop_product_created")),
        migrations.AddConstraint(model_name="product",
                                 constraint=models.CheckConstraint(condition=Q(price__gte=0),
                                                                   name="price_not_negative")),
    ]
