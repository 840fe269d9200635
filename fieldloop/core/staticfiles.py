"""Static files storage for production: hashed, compressed names served by WhiteNoise."""

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class VendorTolerantStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Vendor CSS (Tabler's payment and flag sheets, tom-select) points at images and source maps its
    npm package does not ship. Those pages are never used here; leave such a reference unhashed
    instead of failing the whole collectstatic."""

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if name.startswith("vendor/"):
                return name
            raise
