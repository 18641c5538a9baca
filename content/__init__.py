"""The office's service directory as YAML files (content/FORMAT.md): validate, import, export."""
