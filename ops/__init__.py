"""Operating an installation: backups of the database and the media, and their restore."""
