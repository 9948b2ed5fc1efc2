from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OptimizerConfig(AppConfig):
    name = "optimizer"
    verbose_name = "Optimizer jobs"

    def ready(self) -> None:
        from .maintenance import ensure_schedules

        # Schedules live in the database so every cluster on every machine shares them.
        post_migrate.connect(ensure_schedules, sender=self)
