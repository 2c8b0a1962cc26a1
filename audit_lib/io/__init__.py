"""Reading and writing: the YAML reader and loader, imports, cell safety, atomic writes."""
