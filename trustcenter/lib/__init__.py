"""Plain helpers with no models, used by the apps; nothing here imports the rest of the project."""
