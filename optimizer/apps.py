from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OptimizerConfig(AppConfig):
    name = "optimizer"
    verbose_name = "Optimizer jobs"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from .heartbeat import install_drain, start_in_worker
        from .maintenance import ensure_schedules

        # Schedules live in the database so every cluster on every machine shares them.
        post_migrate.connect(ensure_schedules, sender=self)
        # Every task worker renews its items' leases and drains on SIGTERM (optimizer.heartbeat).
        post_spawn.connect(start_in_worker, dispatch_uid="reducer-keeper")
        install_drain()
