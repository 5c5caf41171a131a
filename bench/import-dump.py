#!/usr/bin/env python3
"""Write an account dump (get-account-authorization-details JSON) of N users with three inline
policies each, the documents taken in turn from bench/inline-policies.json: the bulk load of
bench/api.sh (apibench -load-users) as a file for `iamd import`.

  bench/import-dump.py 100000 > /tmp/load.json"""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
docs = [p["PolicyDocument"] for p in json.load(open("bench/inline-policies.json"))]
users = []
for i in range(n):
    name = "load-%05d" % i
    users.append({"UserName": name, "Path": "/", "Arn": "arn:aws:iam::111122223333:user/" + name,
                  "UserPolicyList": [{"PolicyName": "p%d" % j, "PolicyDocument": docs[(i * 3 + j) % len(docs)]} for j in range(3)]})
json.dump({"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [], "Policies": []}, sys.stdout)
