from django.apps import AppConfig


class ReducerConfig(AppConfig):
    name = "reducer"
    verbose_name = "reducer service"

    def ready(self) -> None:
        # Connects the v1 webhook outbox to the job model's item_finished signal.
        from reducer.v1.webhooks import outbox  # noqa: F401
