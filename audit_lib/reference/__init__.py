"""Dated legal reference data (EEA, adequacy, SCC modules, derogations) and vocabularies."""
