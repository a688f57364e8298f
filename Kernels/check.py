#!/usr/bin/env python3
"""check.py -- independent counts over a pair of Linux A/B build trees.

usage: Kernels/check.py --kernel VERSION [--kernels DIR] [--json] [--pairs] ANNOTATED_DIR PLAIN_DIR [SUBDIR/...]

ANNOTATED_DIR and PLAIN_DIR are O= build directories written by build.sh
(<cache>/build/VERSION-gcc-<opt>-retpoline-<on|off>-<mode>); PLAIN_DIR may be a
direct tree (-direct) instead, whose keys are still named plain_*.  What is
version-specific comes from Kernels/linux-VERSION/version.info, as build.sh
reads it: the record section (`record-section`; the keys keep 6.1's name,
parainstructions), the ops table (`table`, pv_ops: the keys say pv_ops), the
trampolines' prefix (`trampoline-prefix`, pv_tramp_) and the default subset
(`subset`).  Only objects below the subset dirs are read; objects linked from
several others (multi-object modules, listed in a <name>.mod file) are left
out so that no site is counted twice.  Uses readelf (binutils) only, not
pvsites, so the numbers are a check on the tool.

Per tree it prints: objects; objects with .parainstructions and the entries of
.rela.parainstructions (one per record: readelf -rW; for .altinstructions two
per record, and every alternative, not only paravirt's), the records by size
(the section's size over the descriptor's record-size); where the descriptor
has `record-flags OFFSET WIDTH MASK` (6.12: .altinstructions), the records
that are pv sites instead of the relocation entries: those whose flags have
MASK (ALT_FLAG_DIRECT_CALL), read from readelf -x, and the objects with at
least one; relocations against
pv_ops in .rela.text and .rela.text.* (readelf -rW X.o | grep pv_ops), and
in all relocation sections that patch an executable section.  For the plain
tree, every object that still has .parainstructions is listed with its
source (.S or .c): only .S ones are expected.  For the pair: objects in both
trees, and how many of those pairs have .parainstructions on the annotated
side.  Relocations against the direct form's trampolines (pv_tramp_*) in
executable sections are counted too, in all of them, and the direct calls
and jumps among them (objdump -drw: a call or jmp whose relocation names
a pv_tramp_ symbol).  --pairs adds, per pair whose annotated object has
records or whose other object has such references: records, pv_ops
references in code on each side, pv_tramp_ references and direct calls.
"""
import json
import os
import re
import subprocess
import sys

# The version's descriptor (Kernels/linux-VERSION/version.info): set by main().
DESC = {}


def descriptor(kernels, version):
    """key -> list of words, from `key value...` lines (# starts a comment)"""
    path = os.path.join(kernels, "linux-" + version, "version.info")
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        sys.exit(f"check.py: {path}: {e.strerror}")
    out = {}
    for line in lines:
        words = line.split("#", 1)[0].split()
        if words:
            out[words[0]] = words[1:]
    for key in ("record-section", "table", "subset"):
        if not out.get(key):
            sys.exit(f"check.py: {path}: no '{key}' line")
    return out


def objects(tree, subdirs):
    """relative paths of the single objects below the subset dirs"""
    found, composite = set(), set()
    for sub in subdirs:
        top = os.path.join(tree, sub)
        for dirpath, _, files in os.walk(top):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), tree)
                if f.endswith(".o"):
                    found.add(rel)
                elif f.endswith(".mod"):
                    members = open(os.path.join(dirpath, f)).read().split()
                    if len(members) > 1 or (members and members[0] != rel[:-4] + ".o"):
                        composite.add(rel[:-4] + ".o")
    return sorted(found - composite), sorted(found & composite)


SEC_RE = re.compile(r"^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\S*)")
RELA_RE = re.compile(r"^Relocation section '([^']+)' at offset \S+ contains (\d+) entr")


def read(path):
    secs, sizes = {}, {}
    for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = SEC_RE.match(line)
        if m:
            secs[m.group(2)] = m.group(5)        # name -> flags
            sizes[m.group(2)] = int(m.group(4), 16)
    section = DESC["record-section"][0]
    table = DESC["table"][0]
    tramp = (DESC.get("trampoline-prefix") or ["\0"])[0]
    stride = int((DESC.get("record-size") or ["0"])[0])
    out = {"parainstructions": section in secs,
           "records_by_size": sizes.get(section, 0) // stride if stride else 0,
           "rela_parainstructions": 0, "pv_ops_text": 0, "pv_ops_exec": 0,
           "pv_tramp_exec": 0, "pv_tramp_branches": 0}
    flagged = site_records(path, section) if section in secs and DESC.get("record-flags") else None
    cur = None
    for line in subprocess.run(["readelf", "-rW", path], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = RELA_RE.match(line)
        if m:
            cur = m.group(1)
            if cur == ".rela" + section and flagged is None:
                out["rela_parainstructions"] += int(m.group(2))
            continue
        if cur is None:
            continue
        f = line.split()
        # Offset Info Type Sym.Value Sym.Name + Addend
        if len(f) >= 5 and f[4] == table:
            target = cur[len(".rela"):]
            if cur == ".rela.text" or cur.startswith(".rela.text."):
                out["pv_ops_text"] += 1
            if "X" in secs.get(target, ""):
                out["pv_ops_exec"] += 1
        if len(f) >= 5 and f[4].startswith(tramp) and "X" in secs.get(cur[len(".rela"):], ""):
            out["pv_tramp_exec"] += 1
    if flagged is not None:
        out["rela_parainstructions"] = flagged
        out["parainstructions"] = flagged > 0
    if out["pv_tramp_exec"]:
        # objdump -drw puts the relocation on the instruction's line
        for line in subprocess.run(["objdump", "-drw", path], capture_output=True, text=True,
                                   check=True).stdout.splitlines():
            if re.search(r"\t(call|jmp)\s.*R_X86_64_(PLT|PC)32\s+" + re.escape(tramp), line):
                out["pv_tramp_branches"] += 1
    return out


def site_records(path, section):
    """records of SECTION that are pv sites: those whose flags field
    (`record-flags OFFSET WIDTH MASK`, little-endian) has every bit of MASK
    (6.8+: ALT_FLAG_DIRECT_CALL in alt_instr's upper 16 bits of ft_flags);
    the bytes from readelf -x"""
    off, width, mask = (int(x, 0) for x in DESC["record-flags"][:3])
    size = int(DESC["record-size"][0])
    data = bytearray()
    for line in subprocess.run(["readelf", "-x", section, path], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.split()
        if f and f[0].startswith("0x"):
            # address, then up to four groups of 8 hex digits, then the ASCII
            for g in f[1:5]:
                if re.fullmatch(r"[0-9a-f]{2,8}", g):
                    data += bytes.fromhex(g)
    if len(data) % size:
        sys.exit(f"check.py: {path}: {section} is {len(data)} bytes, not a whole number of {size}-byte records")
    return sum(1 for i in range(0, len(data), size)
               if int.from_bytes(data[i + off:i + off + width], "little") & mask == mask)


def source_of(tree, rel):
    """source file of an object, from its .cmd file"""
    cmd = os.path.join(tree, os.path.dirname(rel), "." + os.path.basename(rel) + ".cmd")
    try:
        for line in open(cmd):
            if line.startswith("source_"):
                return line.split(":=", 1)[1].strip()
    except OSError:
        pass
    return "?"


def tree_counts(tree, subdirs):
    objs, composite = objects(tree, subdirs)
    per = {o: read(os.path.join(tree, o)) for o in objs}
    return {
        "objects": len(objs),
        "composite_skipped": composite,
        "with_parainstructions": sorted(o for o, r in per.items() if r["parainstructions"]),
        "rela_parainstructions": sum(r["rela_parainstructions"] for r in per.values()),
        "records_by_size": sum(r["records_by_size"] for r in per.values()),
        "pv_ops_relocs_text": sum(r["pv_ops_text"] for r in per.values()),
        "pv_ops_relocs_exec": sum(r["pv_ops_exec"] for r in per.values()),
        "pv_tramp_relocs_exec": sum(r["pv_tramp_exec"] for r in per.values()),
        "pv_tramp_branches": sum(r["pv_tramp_branches"] for r in per.values()),
        "per_object": per,
    }


def main(argv):
    global DESC
    as_json = "--json" in argv
    with_pairs = "--pairs" in argv
    argv = [a for a in argv if a not in ("--json", "--pairs")]
    version, kernels = None, os.path.dirname(os.path.abspath(__file__))
    while argv and argv[0] in ("--kernel", "--kernels") and len(argv) > 1:
        if argv[0] == "--kernel":
            version = argv[1]
        else:
            kernels = argv[1]
        argv = argv[2:]
    if len(argv) < 2 or not version:
        sys.exit(__doc__.split("\n\n")[1])
    DESC = descriptor(kernels, version)
    ann, pla = argv[0], argv[1]
    subdirs = argv[2:] or DESC["subset"]
    a = tree_counts(ann, subdirs)
    p = tree_counts(pla, subdirs)
    plain_pi = [(o, source_of(pla, o)) for o in p["with_parainstructions"]]
    pairs = sorted(set(a["per_object"]) & set(p["per_object"]))
    pairs_pi = [o for o in pairs if a["per_object"][o]["parainstructions"]]
    res = {
        "kernel": version, "record_section": DESC["record-section"][0], "table": DESC["table"][0],
        "annotated": ann, "plain": pla, "subdirs": subdirs,
        "annotated_objects": a["objects"],
        "annotated_with_parainstructions": len(a["with_parainstructions"]),
        "annotated_rela_parainstructions": a["rela_parainstructions"],
        "annotated_records_by_size": a["records_by_size"],
        "annotated_pv_ops_relocs_text": a["pv_ops_relocs_text"],
        "annotated_pv_ops_relocs_exec": a["pv_ops_relocs_exec"],
        "plain_objects": p["objects"],
        "plain_with_parainstructions": [{"object": o, "source": s} for o, s in plain_pi],
        "plain_parainstructions_from_c": [o for o, s in plain_pi if not s.endswith(".S")],
        "plain_rela_parainstructions": p["rela_parainstructions"],
        "plain_pv_ops_relocs_text": p["pv_ops_relocs_text"],
        "plain_pv_ops_relocs_exec": p["pv_ops_relocs_exec"],
        "plain_pv_tramp_relocs_exec": p["pv_tramp_relocs_exec"],
        "plain_pv_tramp_branches": p["pv_tramp_branches"],
        "pairs": len(pairs),
        "pairs_annotated_with_parainstructions": len(pairs_pi),
        "only_annotated": sorted(set(a["per_object"]) - set(p["per_object"])),
        "only_plain": sorted(set(p["per_object"]) - set(a["per_object"])),
        "composite_skipped": a["composite_skipped"],
    }
    if with_pairs:
        res["per_pair"] = [
            {"object": o, "records": a["per_object"][o]["rela_parainstructions"],
             "annotated_pv_ops_exec": a["per_object"][o]["pv_ops_exec"],
             "plain_pv_ops_exec": p["per_object"][o]["pv_ops_exec"],
             "plain_pv_tramp_exec": p["per_object"][o]["pv_tramp_exec"],
             "plain_pv_tramp_branches": p["per_object"][o]["pv_tramp_branches"]}
            for o in pairs
            if a["per_object"][o]["rela_parainstructions"] or p["per_object"][o]["pv_tramp_exec"]]
    if as_json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        for k, v in res.items():
            if isinstance(v, list):
                print(f"{k}: {len(v)}")
                for x in v:
                    if isinstance(x, dict) and "records" in x:
                        print("    " + " ".join(f"{k}={x[k]}" for k in x))
                    else:
                        print(f"    {x['object'] + ' <- ' + x['source'] if isinstance(x, dict) else x}")
            else:
                print(f"{k}: {v}")
    return 1 if res["plain_parainstructions_from_c"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
