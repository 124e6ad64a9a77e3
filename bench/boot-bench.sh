#!/bin/bash
# boot-bench.sh KTSTR [RUNS] — benchmark, not a test.  Boots the cached
# guest kernel RUNS times (default 5) each way, interleaved, with the same
# topology and accelerator:
#   bare:  qemu-system-x86_64 -kernel bzImage -initrd <busybox /init that
#          powers off at once>, wall time from launch to QEMU exit;
#   ktstr: `ktstr shell --exec true`, wall time of the whole command and
#          the launch -> executor hello time it reports.
# Prints the medians and the ratio ktstr/bare.
set -euo pipefail
KTSTR=${1:-./ktstr}
RUNS=${2:-5}
TOPO=${TOPO:-1n2l2c1t}
kernel=$("$KTSTR" kernel path)
bz=$kernel/bzImage
[[ -f $bz ]] || bz=$kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/bare.cpio" <<'P'
import os, sys
out = open(sys.argv[1], "wb")
ino = [100]
def entry(name, mode, data=b""):
    ino[0] += 1
    hdr = "070701" + "".join("%08X" % v for v in (ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    b = hdr.encode() + name.encode() + b"\0"
    b += b"\0" * (-len(b) % 4)
    b += data + b"\0" * (-len(data) % 4)
    out.write(b)
entry("bin", 0o040755); entry("dev", 0o040755); entry("proc", 0o040755)
entry("bin/busybox", 0o100755, open("/bin/busybox", "rb").read())
entry("init", 0o100755, b"#!/bin/busybox sh\n/bin/busybox poweroff -f\n")
entry("TRAILER!!!", 0)
P
gzip -9 "$tmp/bare.cpio"

IFS=, read -r n l c t < <(python3 -c "
import re,sys; m=re.fullmatch(r'(?:(\d+)n)?(\d+)l(\d+)c(?:(\d+)t)?','$TOPO'); print(','.join(x or '1' for x in m.groups()))")
cpus=$((l * c * t))
bare() {
	local s e
	s=$(date +%s%N)
	qemu-system-x86_64 -nodefaults -no-reboot -display none -monitor none -M pc \
		-bios /usr/share/qemu/qboot.rom -accel tcg,thread=single -cpu Skylake-Server-v4 \
		-m 512M -smp "$cpus,sockets=$n,dies=$((l / n)),cores=$c,threads=$t" \
		-kernel "$bz" -initrd "$tmp/bare.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 mitigations=off rdinit=/init" \
		-serial null >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
ours() {
	local s e line
	s=$(date +%s%N)
	line=$("$KTSTR" shell -v --memory 512 --topology "$TOPO" --exec true 2>&1 | grep 'boot to executor')
	e=$(date +%s%N)
	echo "$(((e - s) / 1000000)) $(sed -E 's/.*boot to executor ([0-9]+) ms.*/\1/' <<<"$line")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$KTSTR" shell --exec true >/dev/null 2>&1 || true	# warm the initramfs cache
: >"$tmp/b"; : >"$tmp/k"; : >"$tmp/h"
for ((i = 0; i < RUNS; i++)); do
	bare >>"$tmp/b"
	read -r wall hello < <(ours)
	echo "$wall" >>"$tmp/k"
	echo "$hello" >>"$tmp/h"
done
b=$(median <"$tmp/b") k=$(median <"$tmp/k") h=$(median <"$tmp/h")
echo "topology $TOPO, $RUNS runs each, TCG"
echo "bare qemu boot+poweroff:        ${b} ms (median)"
echo "ktstr shell --exec true (wall): ${k} ms (median)"
echo "ktstr launch -> executor hello: ${h} ms (median)"
python3 -c "print('ratio ktstr/bare (wall): %.3f' % ($k / $b))"
