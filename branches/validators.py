"""The ID-number and phone validators under the dotted path migrations name them by.

Validation and masking live in ``chengjiang.personal_data`` (the shared layer: every app uses
them); ``branches/migrations/0001_initial`` and ``cadres/migrations/0001_initial`` reference
``branches.validators.validate_id_number`` / ``validate_phone``, so this path stays importable.
Import from ``chengjiang.personal_data`` everywhere else.
"""

from chengjiang.personal_data import validate_id_number, validate_phone

__all__ = ["validate_id_number", "validate_phone"]
