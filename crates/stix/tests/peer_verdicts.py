"""Reads a JSON list of STIX objects on stdin and prints, as JSON, stix2-validator's verdict on
each: [valid, first error message or ""]. Used by tests/peer.rs."""
import json
import sys
from importlib.metadata import version

from stix2validator import ValidationOptions, validate_instance
from stix2validator.errors import SchemaInvalidError


def main():
    objects = json.load(sys.stdin)
    options = ValidationOptions(version="2.1")
    verdicts = []
    for obj in objects:
        try:
            result = validate_instance(obj, options)
        except SchemaInvalidError:
            raise
        except Exception as e:  # noqa: BLE001
            # The peer raises on some malformed input (no id, a bad UUID): a rejection.
            verdicts.append([False, f"peer raised {type(e).__name__}: {e}"])
            continue
        errors = [e.message for e in result.errors]
        verdicts.append([result.is_valid, errors[0] if errors else ""])
    json.dump({"version": version("stix2-validator"), "verdicts": verdicts}, sys.stdout)


if __name__ == "__main__":
    main()
