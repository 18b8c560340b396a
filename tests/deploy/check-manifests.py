#!/usr/bin/env python3
"""Structural checks of the Kubernetes manifests (deploy/kubernetes/*.yaml).

check-manifests.py [DIR...]   check every *.yaml/*.yml in DIR (default: deploy/kubernetes)
check-manifests.py --self-test   make sure broken manifests are caught

Every YAML document: apiVersion, kind and metadata.name present. RuntimeClass: handler is
"vprocfs". DaemonSet: spec.selector.matchLabels matches the pod template's labels, every
volumeMount names a volume of the pod, hostPath paths are absolute, hostPID is true and every
container is privileged. There must be one RuntimeClass and one DaemonSet in all.
Exit status: 0 fine, 1 findings, 77 no PyYAML (python3-yaml).
"""
import glob
import os
import sys

try:
    import yaml
except ImportError:
    print("python3 cannot import yaml (install python3-yaml)")
    sys.exit(77)


def pod_spec_problems(where, spec):
    out = []
    volumes = {}
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict) or not v.get("name"):
            out.append(f"{where}: a volume without a name")
            continue
        volumes[v["name"]] = v
        hp = v.get("hostPath")
        if hp is not None:
            path = hp.get("path") if isinstance(hp, dict) else None
            if not isinstance(path, str) or not path.startswith("/"):
                out.append(f"{where}: volume {v['name']}: hostPath path {path!r} is not absolute")
    if spec.get("hostPID") is not True:
        out.append(f"{where}: hostPID is not true (nsenter into PID 1 needs it)")
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    if not spec.get("containers"):
        out.append(f"{where}: no containers")
    for c in containers:
        name = c.get("name", "?") if isinstance(c, dict) else "?"
        if not isinstance(c, dict):
            out.append(f"{where}: a container that is not a mapping")
            continue
        if not c.get("image"):
            out.append(f"{where}: container {name}: no image")
        sc = c.get("securityContext") or {}
        if sc.get("privileged") is not True:
            out.append(f"{where}: container {name}: not privileged")
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes:
                out.append(f"{where}: container {name}: volumeMount {m.get('name')!r} "
                           "has no volume")
            if not str(m.get("mountPath", "")).startswith("/"):
                out.append(f"{where}: container {name}: mountPath {m.get('mountPath')!r} "
                           "is not absolute")
    return out


def problems(docs, source):
    out = []
    kinds = {}
    for i, d in enumerate(docs):
        where = f"{source}[{i}]"
        if d is None:
            continue
        if not isinstance(d, dict):
            out.append(f"{where}: not a mapping")
            continue
        for key in ("apiVersion", "kind"):
            if not isinstance(d.get(key), str) or not d.get(key):
                out.append(f"{where}: no {key}")
        meta = d.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not name:
            out.append(f"{where}: no metadata.name")
        kind = d.get("kind")
        where = f"{source}: {kind}/{name}"
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "RuntimeClass":
            if d.get("apiVersion") != "node.k8s.io/v1":
                out.append(f"{where}: apiVersion is not node.k8s.io/v1")
            if d.get("handler") != "vprocfs":
                out.append(f"{where}: handler is {d.get('handler')!r}, not 'vprocfs'")
        elif kind == "DaemonSet":
            spec = d.get("spec") or {}
            sel = (spec.get("selector") or {}).get("matchLabels") or {}
            tmpl = spec.get("template") or {}
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            if not sel:
                out.append(f"{where}: no spec.selector.matchLabels")
            for k, v in sel.items():
                if labels.get(k) != v:
                    out.append(f"{where}: selector {k}={v} does not match the template's "
                               f"labels {labels}")
            out += pod_spec_problems(where, tmpl.get("spec") or {})
    return out, kinds


def check_dirs(dirs):
    out = []
    kinds = {}
    files = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml")))
    if not files:
        return [f"no YAML files in {' '.join(dirs)}"]
    for f in files:
        try:
            with open(f) as fh:
                docs = list(yaml.safe_load_all(fh))
        except yaml.YAMLError as e:
            out.append(f"{f}: not YAML: {e}")
            continue
        p, k = problems(docs, f)
        out += p
        for kind, n in k.items():
            kinds[kind] = kinds.get(kind, 0) + n
        print(f"{f}: {len([d for d in docs if d is not None])} documents")
    for kind in ("RuntimeClass", "DaemonSet"):
        if kinds.get(kind, 0) != 1:
            out.append(f"{kinds.get(kind, 0)} {kind} documents, want 1")
    return out


GOOD_DS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      hostPID: true
      containers:
        - name: c
          image: i
          securityContext: {privileged: true}
          volumeMounts: [{name: v, mountPath: /host}]
      volumes: [{name: v, hostPath: {path: /usr/local}}]
"""


def self_test():
    good = list(yaml.safe_load_all(GOOD_DS))
    p, _ = problems(good, "good")
    assert not p, p
    broken = {
        "selector": GOOD_DS.replace("labels: {app: x}", "labels: {app: y}"),
        "volume": GOOD_DS.replace("name: v, mountPath", "name: w, mountPath"),
        "hostPath": GOOD_DS.replace("path: /usr/local", "path: usr/local"),
        "privileged": GOOD_DS.replace("privileged: true", "privileged: false"),
        "hostPID": GOOD_DS.replace("hostPID: true", "hostPID: false"),
        "name": GOOD_DS.replace("metadata: {name: x}", "metadata: {}"),
        "kind": GOOD_DS.replace("kind: DaemonSet", ""),
        "handler": "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: r}\n"
                   "handler: runc\n",
    }
    for what, text in broken.items():
        p, _ = problems(list(yaml.safe_load_all(text)), what)
        assert p, f"a broken {what} went unnoticed"
    print(f"self-test: {len(broken)} broken manifests caught")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    dirs = argv[1:] or [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", "..", "deploy", "kubernetes")]
    out = check_dirs(dirs)
    for line in out:
        print("FAIL:", line)
    if not out:
        print("manifests: fine")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
