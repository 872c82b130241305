#!/usr/bin/env python3
"""Extract what a server needs from botocore's service models into compact JSON resources.

For every service Gatehouse speaks, this keeps each operation's HTTP binding (method, URI
template, status code), its input/output/error shapes, and for each shape its type, members with
their wire location, required members, payload member, enum values and numeric bounds. The
documentation and client-only hints are dropped. Output goes to
Sources/GatehouseControl/Resources/models/<service>.json; run with --check to verify that the
committed files match what the installed botocore produces.
"""
import argparse
import gzip
import json
import os
import sys

import botocore

SERVICES = {
    "apigateway": "2015-07-09",
    "apigatewayv2": "2018-11-29",
    "apigatewaymanagementapi": "2018-11-29",
    "lambda": "2015-03-31",
    "logs": "2014-03-28",
    "iam": "2010-05-08",
    "sts": "2011-06-15",
    "cloudwatch": "2010-08-01",
    "cloudtrail": "2013-11-01",
    "wafv2": "2019-07-29",
}
SHAPE_KEYS = ("type", "required", "payload", "member", "key", "value", "enum", "min", "max", "streaming",
              "exception", "timestampFormat")
MEMBER_KEYS = ("shape", "location", "locationName", "timestampFormat", "jsonvalue", "idempotencyToken")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Sources", "GatehouseControl", "Resources", "models")


def compact_shape(shape):
    out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
    if "members" in shape:
        out["members"] = {name: {k: m[k] for k in MEMBER_KEYS if k in m} for name, m in shape["members"].items()}
    if "member" in out:
        out["member"] = out["member"]["shape"]
    for k in ("key", "value"):
        if k in out:
            out[k] = out[k]["shape"]
    if "error" in shape:
        out["status"] = shape["error"].get("httpStatusCode", 400)
        if "code" in shape["error"]:
            out["code"] = shape["error"]["code"]
    return out


def compact_model(model):
    meta = model["metadata"]
    operations = {}
    for name, op in model["operations"].items():
        http = op["http"]
        entry = {"method": http["method"], "uri": http["requestUri"], "status": http.get("responseCode", 200)}
        for k in ("input", "output"):
            if k in op:
                entry[k] = op[k]["shape"]
        if "resultWrapper" in op.get("output", {}):
            entry["resultWrapper"] = op["output"]["resultWrapper"]
        entry["errors"] = [e["shape"] for e in op.get("errors", [])]
        operations[name] = entry
    return {
        "metadata": {k: meta[k] for k in ("apiVersion", "endpointPrefix", "protocol", "protocols", "jsonVersion",
                                          "targetPrefix", "serviceId", "signingName", "xmlNamespace") if k in meta}
        | ({"awsQueryCompatible": True} if "awsQueryCompatible" in meta else {}),
        "operations": operations,
        "shapes": {name: compact_shape(s) for name, s in model["shapes"].items()},
    }


def render(service, version):
    path = os.path.join(os.path.dirname(botocore.__file__), "data", service, version, "service-2.json.gz")
    with gzip.open(path) as f:
        model = json.load(f)
    return json.dumps(compact_model(model), sort_keys=True, indent=0, separators=(",", ":")) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file differs")
    args = parser.parse_args()
    stale = []
    for service, version in SERVICES.items():
        text = render(service, version)
        target = os.path.join(OUT, f"{service}.json")
        if args.check:
            with open(target) as f:
                if f.read() != text:
                    stale.append(service)
        else:
            os.makedirs(OUT, exist_ok=True)
            with open(target, "w") as f:
                f.write(text)
    if stale:
        print("stale models (run scripts/extract_service_models.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
