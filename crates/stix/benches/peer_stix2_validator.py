"""Peer measurement for benches/validate.rs: stix2-validator throughput on the same objects.

Usage: python peer_stix2_validator.py OBJECTS.json
Prints one line: "<objects per second> <objects> <objects with errors> <validator version>".
"""
import json
import sys
import time

from importlib.metadata import version

from stix2validator import ValidationOptions, validate_instance


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        objects = json.load(f)
    options = ValidationOptions(version="2.1")
    invalid = 0
    start = time.perf_counter()
    for obj in objects:
        if not validate_instance(obj, options).is_valid:
            invalid += 1
    elapsed = time.perf_counter() - start
    print(f"{len(objects) / elapsed:.1f} {len(objects)} {invalid} {version('stix2-validator')}")


if __name__ == "__main__":
    main()
