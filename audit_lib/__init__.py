"""Record of processing activities (GDPR Art 30): load, validate, analyse, audit and export."""
