"""Roles as groups (programme staff, jury) and Kazakhstan's regions and cities of republican
significance (the 17 regions since the 2022 reform and the three cities)."""

from django.db import migrations

REGIONS = [
    # code, kind, ru, kk, en, centre
    ("astana", "city", "Астана", "Астана", "Astana", ""),
    ("almaty", "city", "Алматы", "Алматы", "Almaty", ""),
    ("shymkent", "city", "Шымкент", "Шымкент", "Shymkent", ""),
    ("abai", "region", "Абайская область", "Абай облысы", "Abai Region", "Семей"),
    ("akmola", "region", "Акмолинская область", "Ақмола облысы", "Akmola Region", "Кокшетау"),
    ("aktobe", "region", "Актюбинская область", "Ақтөбе облысы", "Aktobe Region", "Актобе"),
    ("almaty-region", "region", "Алматинская область", "Алматы облысы", "Almaty Region", "Конаев"),
    ("atyrau", "region", "Атырауская область", "Атырау облысы", "Atyrau Region", "Атырау"),
    ("east-kazakhstan", "region", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы",
     "East Kazakhstan Region", "Усть-Каменогорск"),
    ("jambyl", "region", "Жамбылская область", "Жамбыл облысы", "Jambyl Region", "Тараз"),
    ("jetisu", "region", "Область Жетісу", "Жетісу облысы", "Jetisu Region", "Талдыкорган"),
    ("karaganda", "region", "Карагандинская область", "Қарағанды облысы", "Karaganda Region",
     "Караганда"),
    ("kostanay", "region", "Костанайская область", "Қостанай облысы", "Kostanay Region", "Костанай"),
    ("kyzylorda", "region", "Кызылординская область", "Қызылорда облысы", "Kyzylorda Region",
     "Кызылорда"),
    ("mangystau", "region", "Мангистауская область", "Маңғыстау облысы", "Mangystau Region", "Актау"),
    ("pavlodar", "region", "Павлодарская область", "Павлодар облысы", "Pavlodar Region", "Павлодар"),
    ("north-kazakhstan", "region", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы",
     "North Kazakhstan Region", "Петропавловск"),
    ("turkistan", "region", "Туркестанская область", "Түркістан облысы", "Turkistan Region",
     "Туркестан"),
    ("ulytau", "region", "Область Ұлытау", "Ұлытау облысы", "Ulytau Region", "Жезказган"),
    ("west-kazakhstan", "region", "Западно-Казахстанская область", "Батыс Қазақстан облысы",
     "West Kazakhstan Region", "Уральск"),
]

GROUPS = ["Programme staff", "Jury"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Region = apps.get_model("ozgeris", "Region")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)
    for code, kind, ru, kk, en, centre in REGIONS:
        Region.objects.update_or_create(
            code=code,
            defaults={"kind": kind, "name_ru": ru, "name_kk": kk, "name_en": en, "centre_ru": centre},
        )


def backwards(apps, schema_editor):
    apps.get_model("ozgeris", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ozgeris", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
