"""The Art 13/14 privacy notice drafted from the register."""

from audit_lib.notice.draft import (
    LANGUAGES,
    Notice,
    Section,
    UnknownLanguage,
    draft_notice,
    duration_text,
    write_notice,
)

__all__ = ["LANGUAGES", "Notice", "Section", "UnknownLanguage", "draft_notice", "duration_text",
           "write_notice"]
