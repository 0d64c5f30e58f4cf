from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from certificates import panels
        from modules.extensions import register_module_panel

        register_module_panel(panels.certificate_panel, order=20)
