from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from certificates.models import evaluation_publish_check
        from modules.extensions import register_publish_check

        register_publish_check(
            evaluation_publish_check,
            key="evaluation",
            label="Activity evaluation",
            required=False,
        )
