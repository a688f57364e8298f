#!/usr/bin/env bash
# check.sh - developer aid: build the corpus the way configs.json says and
# check that it is what the study assumes.  Not used by pvsites itself.
#
# Usage: Corpus/check.sh [-c COMPILER] [-o OUTDIR] [-k] [-j JOBS] [VARIANT...]
#
#   -c COMPILER  a compiler name from configs.json (default: the "default" one)
#   -o OUTDIR    where objects, .s files and images go (default: a temp dir,
#                removed at the end unless -k)
#   -k           keep OUTDIR
#   -j JOBS      parallel compiles (default: nproc)
#   VARIANT...   only these variants (default: all)
#
# For every variant x opt x mode it compiles each src/*.c and asm/*.S (and
# the stubs) with the flags of configs.json, writes the -S output of each C
# file next to its object, links the linked form, and checks:
#
#   a  every compile and link is silent (no warning);
#   b  annotated objects: one 16-byte record per site: the relocation count
#      of .rela.parainstructions equals the number of "call/jmp
#      *paravirt_ops" in the -S output (C) or of relocations against the
#      table in code (.S); C records have length 6 (7 with PVOPS_ABS);
#   c  plain objects have no .parainstructions;
#   d  retpoline plain C objects with sites use __x86_indirect_thunk_* and
#      have no indirect call/jmp left; pic plain C objects with sites have
#      GOTPCREL relocations against the table and no PC32 ones; ro-ops plain
#      -O2 hoists a table load out of a loop in irq_loops.c and tlbflush.c
#      ("mov paravirt_ops+X(%rip),%reg" before the loop, "call *%reg" in it);
#   e  kernel plain -O0: no "call *paravirt_ops", calls through a register;
#   f  kernel plain -O2: direct "call *paravirt_ops+off(%rip)" and tail
#      "jmp *paravirt_ops+off(%rip)" sites exist;
#   g  lines: in the linked images, every plain site (a call or jmp through
#      the table, or through a register or base register loaded from it,
#      found by a rough data flow within each function) has an annotated
#      record with the same op and the same innermost source line; the full
#      inline chains are compared too and the counts printed (they differ
#      where the builds inline unlike).  Calls reached with different ops
#      on different paths (cross-jumping) are counted and skipped.
#
# Prints one line per configuration and "N passed, M failed" at the end;
# exits 1 if any check failed, 2 on bad usage.  Needs gcc (or the chosen
# compiler), binutils, elfutils (eu-addr2line) and python3 (to read JSON).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config="$here/configs.json"
compiler=""
out=""
keep=0
jobs=$(nproc 2>/dev/null || echo 2)

usage() { sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "c:o:j:kh" opt; do
	case $opt in
	c) compiler=$OPTARG ;;
	o) out=$OPTARG ;;
	j) jobs=$OPTARG ;;
	k) keep=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/pvsites-corpus.XXXXXX")
	[ "$keep" = 1 ] || trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# ---- configs.json -> shell arrays (python3 only reads the JSON) ----
settings=$(python3 - "$config" "$compiler" "$@" <<'EOF'
import json, shlex, sys
cfg = json.load(open(sys.argv[1]))
want_cc, want_variants = sys.argv[2], sys.argv[3:]
ccs = [c for c in cfg["compilers"] if (c["name"] == want_cc if want_cc else c.get("default"))]
if not ccs:
    sys.exit("check.sh: no compiler %r in configs.json" % want_cc)
cc = ccs[0]
fam = cc.get("family", "gcc")
def arr(name, xs):
    print("%s=(%s)" % (name, " ".join(shlex.quote(x) for x in xs)))
print("cc=%s" % shlex.quote(cc["command"]))
arr("opts", cfg["opts"])
arr("common", cfg["common_cflags"] + cfg.get("family_cflags", {}).get(fam, []))
arr("common_link", cfg["common_link_flags"])
arr("incdirs", cfg["include_dirs"])
print("stubs=%s" % shlex.quote(cfg["stubs"]))
print("marker=%s" % shlex.quote(cfg["per_file_cflags_marker"]))
variants = [v for v in cfg["variants"] if not want_variants or v["name"] in want_variants]
if want_variants and len(variants) != len(want_variants):
    sys.exit("check.sh: unknown variant in %s" % want_variants)
arr("variants", [v["name"] for v in variants])
arr("abs_variants", [v["name"] for v in variants if "-DPVOPS_ABS" in v["annotated_cflags"]])
for i, v in enumerate(variants):
    arr("v%d_cflags" % i, v["cflags"] + v.get("family_cflags", {}).get(fam, []))
    arr("v%d_annotated" % i, v["annotated_cflags"])
    arr("v%d_plain" % i, v["plain_cflags"])
    arr("v%d_link" % i, v["link_flags"])
EOF
) || exit 2
eval "$settings"
command -v "$cc" >/dev/null || { echo "check.sh: $cc is not installed" >&2; exit 2; }

shopt -s nullglob
sources=("$here"/src/*.c "$here"/asm/*.S)
inc=()
for d in "${incdirs[@]}"; do inc+=("-I$here/$d"); done

pass=0
fail=0
problems="$out/problems.txt"
: >"$problems"

# problem CONFIG MESSAGE: record one failed check
problem() { echo "$1: $2" >>"$problems"; }

# The extra flags a file asks for in its header comment.
file_cflags() {
	head -40 "$1" | grep -m1 -o "$marker.*" | sed -e "s/^$marker//" -e 's|\*/.*||' || true
}

# compile SRC OBJDIR FLAGS...: object, -S output (C), stderr in .err
compile() {
	local src=$1 dir=$2; shift 2
	local base; base=$(basename "${src%.*}")
	# shellcheck disable=SC2046
	local extra=($(file_cflags "$src"))
	"$cc" "$@" "${inc[@]}" "${extra[@]}" -c "$src" -o "$dir/$base.o" 2>"$dir/$base.err" || true
	case $src in
	*.c) "$cc" "$@" "${inc[@]}" "${extra[@]}" -S "$src" -o "$dir/$base.s" 2>/dev/null || true ;;
	esac
}

# ---- build ----
for vi in "${!variants[@]}"; do
	v=${variants[$vi]}
	eval "vflags=(\"\${v${vi}_cflags[@]}\")"
	for o in "${opts[@]}"; do
		for mode in annotated plain; do
			eval "mflags=(\"\${v${vi}_${mode}[@]}\")"
			dir="$out/$v/${o#-}/$mode"
			mkdir -p "$dir"
			for src in "${sources[@]}" "$here/$stubs"; do
				while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
				compile "$src" "$dir" "$o" "${common[@]}" "${vflags[@]}" "${mflags[@]}" &
			done
		done
	done
done
wait

for vi in "${!variants[@]}"; do
	v=${variants[$vi]}
	eval "vlink=(\"\${v${vi}_link[@]}\")"
	for o in "${opts[@]}"; do
		for mode in annotated plain; do
			dir="$out/$v/${o#-}/$mode"
			objs=()
			for src in "${sources[@]}"; do objs+=("$dir/$(basename "${src%.*}").o"); done
			objs+=("$dir/$(basename "${stubs%.*}").o")
			"$cc" "${common_link[@]}" "${vlink[@]}" -o "$dir/image" "${objs[@]}" 2>"$dir/image.err" || true
		done
	done
done

# ---- checks ----
for v in "${variants[@]}"; do
	for o in "${opts[@]}"; do
		O=${o#-}
		for mode in annotated plain; do
			dir="$out/$v/$O/$mode"
			cfgname="$v $o $mode"
			before=$(wc -l <"$problems")

			# a: silent compiles and link
			for e in "$dir"/*.err; do
				[ -s "$e" ] && problem "$cfgname" "$(basename "$e" .err): $(head -3 "$e" | tr '\n' ' ')"
			done
			[ -f "$dir/image" ] || problem "$cfgname" "link failed"

			for src in "${sources[@]}"; do
				base=$(basename "${src%.*}")
				obj="$dir/$base.o"
				[ -f "$obj" ] || { problem "$cfgname" "$base.o missing"; continue; }
				nrec=$(readelf -rW "$obj" | sed -n '/\.rela\.parainstructions/,/^$/p' | grep -c 'R_X86_64_64' || true)
				if [ "$mode" = plain ]; then
					# c: no records
					readelf -SW "$obj" | grep '\.parainstructions' >/dev/null && problem "$cfgname" "$base.o has .parainstructions"
				else
					# b: one record per site
					case $src in
					*.c) nsite=$(grep -cE '^[[:space:]]*(call|jmp)[[:space:]]+\*paravirt_ops' "$dir/$base.s" || true) ;;
					*.S) nsite=$(readelf -rW "$obj" | sed -n '/\.rela\.text/,/^$/p' | grep -c ' paravirt_ops' || true) ;;
					esac
					[ "$nrec" = "$nsite" ] || problem "$cfgname" "$base.o: $nrec records, $nsite sites"
					size=$(readelf -SW "$obj" | sed -n 's/.*\] \.parainstructions *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')
					[ "$nrec" = 0 ] || [ "$((16#${size:-0}))" = $((nrec * 16)) ] || problem "$cfgname" "$base.o: .parainstructions is $size bytes for $nrec records"
					echo "$nrec" >"$dir/$base.nrec"
					if [[ $src == *.c && $nrec != 0 ]]; then
						want=6; [[ " ${abs_variants[*]} " == *" $v "* ]] && want=7
						bad=$(readelf -x .parainstructions "$obj" | awk '/^  0x/{print $4}' | cut -c3-4 | sort -u | grep -vx "0$want" || true)
						[ -z "$bad" ] || problem "$cfgname" "$base.o: record lengths 0x$bad, want $want"
					fi
				fi
			done

			if [ "$mode" = plain ]; then
				for src in "$here"/src/*.c; do
					base=$(basename "${src%.*}")
					s="$dir/$base.s"; obj="$dir/$base.o"
					[ "$(cat "$out/$v/$O/annotated/$base.nrec" 2>/dev/null || echo 0)" != 0 ] || continue
					case $v in
					retpoline)
						readelf -sW "$obj" | grep '__x86_indirect_thunk_' >/dev/null || problem "$cfgname" "$base.o: no retpoline thunk"
						grep -qE '^[[:space:]]*(call|jmp)[[:space:]]+\*' "$s" && problem "$cfgname" "$base.s: indirect branch left"
						;;
					pic)
						readelf -rW "$obj" | grep -E 'GOTPCREL[A-Z]*[[:space:]]+[0-9a-f]+ paravirt_ops' >/dev/null || problem "$cfgname" "$base.o: no GOTPCREL to paravirt_ops"
						readelf -rW "$obj" | grep -E 'R_X86_64_PC32[[:space:]]+[0-9a-f]+ paravirt_ops' >/dev/null && problem "$cfgname" "$base.o: PC32 to paravirt_ops"
						;;
					kernel)
						if [ "$O" = O0 ]; then
							# e: -O0 loads the op into a register first
							grep -qE '^[[:space:]]*call[[:space:]]+\*paravirt_ops' "$s" && problem "$cfgname" "$base.s: direct call at -O0"
							grep -qE '^[[:space:]]*call[[:space:]]+\*%r' "$s" || problem "$cfgname" "$base.s: no call *%reg at -O0"
						fi
						;;
					esac
				done
				if [ "$v" = kernel ] && [ "$O" = O2 ]; then
					# f: direct calls and tail jumps at -O2
					grep -qE '^[[:space:]]*call[[:space:]]+\*paravirt_ops\+[0-9]+\(%rip\)' "$dir"/*.s || problem "$cfgname" "no call *paravirt_ops+off(%rip)"
					grep -qE '^[[:space:]]*jmp[[:space:]]+\*paravirt_ops\+[0-9]+\(%rip\)' "$dir/tail_calls.s" || problem "$cfgname" "tail_calls.s: no jmp *paravirt_ops+off(%rip)"
				fi
				if [ "$v" = ro-ops ] && [ "$O" = O2 ]; then
					# d: hoisted loads (load into a callee-saved register, called later)
					for base in irq_loops tlbflush; do
						awk '
							/^[[:space:]]*movq[[:space:]]+paravirt_ops\+[0-9]+\(%rip\), %(rbx|rbp|r1[2-5])$/ { split($0, p, "%"); reg[p[3]] = 1 }
							/^[[:space:]]*call[[:space:]]+\*%/ { r = $2; sub(/^\*%/, "", r); if (r in reg) found = 1 }
							END { exit !found }' "$dir/$base.s" || problem "$cfgname" "$base.s: no hoisted op load"
					done
				fi
			fi

			if [ "$(wc -l <"$problems")" = "$before" ]; then pass=$((pass + 1)); st=ok; else fail=$((fail + 1)); st=FAIL; fi
			nrecs=0
			[ "$mode" = annotated ] && nrecs=$(cat "$dir"/*.nrec 2>/dev/null | awk '{s+=$1} END {print s+0}')
			printf '%-10s %-4s %-9s %-4s records=%s\n' "$v" "$o" "$mode" "$st" "$nrecs"
		done

		# g: the same lines in both builds (linked images)
		a="$out/$v/$O/annotated/image"; p="$out/$v/$O/plain/image"
		if [ -f "$a" ] && [ -f "$p" ]; then
			before=$(wc -l <"$problems")
			python3 - "$a" "$p" "$v $o" "$problems" <<'EOF' || true
import collections, re, subprocess, sys
ann, plain, name, problems = sys.argv[1:]

def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

def table_base(img):
    for line in run("readelf", "-sW", img).splitlines():
        f = line.split()
        if len(f) >= 8 and f[7] == "paravirt_ops":
            return int(f[1], 16)
    sys.exit("%s: no paravirt_ops" % img)

def records(img):
    """(instr address, op offset) of every record, from the section and its relocations."""
    base, data, addr = None, b"", 0
    hexdump = run("readelf", "-x", ".parainstructions", img)
    for line in hexdump.splitlines():
        m = re.match(r"\s+0x([0-9a-f]+) ((?:[0-9a-f]{2,8} ){1,4})", line)
        if m:
            if base is None:
                base = int(m.group(1), 16)
            data += bytes.fromhex(m.group(2).replace(" ", ""))
    targets = {}
    sec = None
    for line in run("readelf", "-rW", img).splitlines():
        if line.startswith("Relocation section"):
            sec = line.split("'")[1]
            continue
        f = line.split()
        if sec == ".rela.parainstructions" and len(f) >= 7 and f[2] == "R_X86_64_64":
            targets[int(f[0], 16)] = int(f[3], 16) + int(f[6], 16)
    return [(targets[base + i], data[i + 8] * 8) for i in range(0, len(data), 16)]

INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S.*)$")
CALLER_SAVED = {"%rax", "%rcx", "%rdx", "%rsi", "%rdi", "%r8", "%r9", "%r10", "%r11"}

def plain_sites(img):
    """Calls and jumps through the table, or through a register loaded with
    an op, or through a base register holding the table's address
    (a rough data flow within one function: enough for -O0, ro-ops hoisting,
    -Os base registers, retpoline thunks and the relaxed GOT loads of pic)."""
    tb = table_base(img)
    sites, loads, bases = [], {}, set()
    listing = run("objdump", "-d", "-w", "--no-show-raw-insn", img).splitlines()
    # A call through a caller-saved register that is also a branch target
    # may be shared by loads of several ops on different paths
    # (cross-jumping merges identical "call thunk" tails): its op is
    # ambiguous.  A callee-saved register at a loop head was loaded once.
    targets = {int(t, 16) for t in re.findall(r"\tj\w+\s+([0-9a-f]+) <", "\n".join(listing))}
    for line in listing:
        m = INSN.match(line)
        if not m:
            loads.clear()
            bases.clear()
            continue
        addr, text = int(m.group(1), 16), m.group(2)
        code = text.split("#")[0].strip()
        mnem, _, ops = code.partition(" ")
        ops = ops.strip()
        dest = ops.split(",")[-1] if "," in ops else None
        field = re.search(r"<paravirt_ops\+0x([0-9a-f]+)>", text)
        absf = re.search(r"\*?0x([0-9a-f]{16})(?![0-9a-f(])", ops)
        off = int(field.group(1), 16) if field else None
        if off is None and absf and 0 <= int(absf.group(1), 16) - tb < 0x1000:
            off = int(absf.group(1), 16) - tb
        based = re.match(r"\*?(?:0x([0-9a-f]+))?\((%r\w+)\)$", ops.split(",")[0])
        if based and based.group(2) in bases:
            off = int(based.group(1) or "0", 16)
        thunk = re.search(r"__x86_indirect_thunk_(\w+)", text)
        if mnem in ("call", "jmp") and ops.startswith("*") and off is not None:
            sites.append((addr, off))
        elif mnem in ("call", "jmp") and (ops.startswith("*%") or thunk):
            reg = ops[1:] if ops.startswith("*%") else "%" + thunk.group(1)
            if reg in loads:
                shared = addr in targets and reg in CALLER_SAVED
                sites.append((addr, None if shared else loads[reg]))
        elif mnem == "mov" and off is not None and off >= 0x18 and dest and dest.startswith("%r"):
            loads[dest] = off
            bases.discard(dest)
        elif (mnem == "lea" and "<paravirt_ops>" in text) or (mnem == "mov" and ops.startswith("$0x%x," % tb)):
            bases.add(dest)
            loads.pop(dest, None)
        elif dest and dest.startswith("%"):
            loads.pop(dest, None)
            bases.discard(dest)
        if mnem == "call":
            for r in CALLER_SAVED:
                loads.pop(r, None)
                bases.discard(r)
    return sites

def chains(img, addrs):
    out = run("eu-addr2line", "-e", img, "-a", "-i", *["0x%x" % a for a in addrs]) if addrs else ""
    res, cur = {}, None
    for line in out.splitlines():
        if line.startswith("0x"):
            cur = int(line, 16)
            res[cur] = []
        else:
            res[cur].append(line.strip())
    return res

A, P = records(ann), plain_sites(plain)
merged = sum(1 for _, op in P if op is None)
P = [(a, op) for a, op in P if op is not None]
ca, cp = chains(ann, [a for a, _ in A]), chains(plain, [a for a, _ in P])
inner_a = collections.Counter((ca[a][0], op) for a, op in A)
full_a = collections.Counter((tuple(ca[a]), op) for a, op in A)
inner_miss, full_match = [], 0
for a, op in P:
    if inner_a[(cp[a][0], op)] == 0:
        inner_miss.append("%s op 0x%x" % (cp[a][0], op))
    if full_a[(tuple(cp[a]), op)] > 0:
        full_match += 1
print("%-15s lines: %d records, %d plain sites, %d same innermost line, %d same inline chain%s"
      % (name, len(A), len(P), len(P) - len(inner_miss), full_match,
         ", %d shared calls skipped" % merged if merged else ""))
with open(problems, "a") as f:
    for m in inner_miss:
        f.write("%s lines: plain site %s has no record on that line\n" % (name, m))
EOF
			if [ "$(wc -l <"$problems")" = "$before" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
		fi
	done
done

if [ -s "$problems" ]; then
	echo
	echo "Problems:"
	sed 's/^/  /' "$problems"
fi
[ "$keep" = 1 ] && echo "outputs kept in $out"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
