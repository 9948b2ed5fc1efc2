from django.apps import AppConfig


class ReducerConfig(AppConfig):
    name = "reducer"
    verbose_name = "reducer service"
