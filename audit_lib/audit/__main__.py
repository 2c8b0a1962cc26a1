"""``python -m audit_lib.audit [PATH] [--check]``: write or check the rule catalogue (docs/audit-rules.md)."""

import sys

from audit_lib.audit.catalogue import main

sys.exit(main())
