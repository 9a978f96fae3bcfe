"""Searchable forms of phone numbers (users type them international or national)."""

from __future__ import annotations

import phonenumbers


def phone_search_values(phone: str | None) -> list[str]:
    """International and national digits of an E.164 phone
    (``+6281234567890`` -> ``["6281234567890", "081234567890"]``)."""
    if not phone:
        return []
    values = ["".join(ch for ch in phone if ch.isdigit())]
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return values
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(ch for ch in str(national) if ch.isdigit())
    if digits and digits not in values:
        values.append(digits)
    return values
