#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { read up _ < /proc/uptime; echo "dmabuf-lab-init: [$up] $*"; }
say "init started"
mode=run
for w in $(cat /proc/cmdline); do
  case "$w" in dmabuf_lab.mode=*) mode="${w#*=}" ;; esac
done
if [ "$mode" = probe ]; then
  say "PROBE-OK"
  poweroff -f
fi
die() {
  say "FATAL: $*"
  for e in /out/.lab "$O"; do [ -d "$e" ] && echo "$*" > "$e/error"; done
  sync
  poweroff -f
}
for m in $(cat /lib/modules/load-order); do insmod "/lib/modules/$m" || say "insmod $m failed"; done
mkdir -p /lower /rw /newroot /out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out || die "cannot mount the out share"
. /out/.lab/params.sh
mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=512000,cache=$NINEP_CACHE" hostroot /lower || die "cannot mount the host root share"
LOWER=/lower
if [ -n "$ARCHROOT" ]; then
  # Another arch's userland (the aarch64 lab's arm64 root), laid over the host's root.
  mkdir -p /arch
  mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=512000,cache=$NINEP_CACHE" archroot /arch || die "cannot mount the arch root share"
  LOWER=/arch:/lower
fi
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
if ! mount -t overlay -o lowerdir=$LOWER,upperdir=/rw/upper,workdir=/rw/work,xino=off,index=off,metacopy=off,redirect_dir=off root /newroot; then
  say "overlay failed: the root stays read-only (tmpfs on /tmp /run /root)"
  mount --bind /lower /newroot
  RO_ROOT=1
  mount -t tmpfs tmpfs /newroot/root
fi
R=/newroot
say "root mounted"
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
# /tmp stays on the overlay: the host's /tmp reads through, writes stay in the guest.
[ -n "$RO_ROOT" ] && mount -t tmpfs -o mode=1777 tmp $R/tmp
mount -t tmpfs -o mode=0755 run $R/run
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mkdir -p $R@GUEST_OUT@
mount --move /out $R@GUEST_OUT@ || die "cannot move the out share"
O=$R@GUEST_OUT@/.lab
hostname dmabuf-lab
[ -n "$HUGEPAGES" ] && echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages 2>/dev/null
rm -f /tmp/modprobe-failed
lab_load
if [ -s /tmp/modprobe-failed ]; then
  why=""
  for d in $(cat /tmp/modprobe-failed); do why="$why module $d: $(tail -n1 /tmp/modprobe-$d.err | sed 's/^modprobe: //');"; done
  die "driver(s) did not load:$why"
fi
say "modules loaded"
# Wait for the device nodes and sysfs entries each driver should give.
i=0
while :; do
  missing=$(lab_missing)
  [ -z "$missing" ] && break
  i=$((i+1))
  [ $i -gt 100 ] && die "driver(s) did not appear:$missing"
  sleep 0.1
done
port() { for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name 2>/dev/null)" = "$1" ] && echo "/dev/${p##*/}" && return; done; }
say "READY"
echo "$up" > $O/ready
if [ "$mode" = shell ]; then
  tty=/dev/hvc0
  setsid -c chroot $R /bin/sh @GUEST_OUT@/.lab/cmd.sh <>$R$tty >&0 2>&0
  rc=$?
else
  so=$(port stdout); se=$(port stderr); si=$(port stdin)
  [ -n "$so" ] && [ -n "$se" ] || die "virtio ports missing (virtio_console)"
  [ -n "$si" ] || si=/dev/null
  chroot $R /bin/sh @GUEST_OUT@/.lab/cmd.sh <$R$si >$R$so 2>$R$se
  rc=$?
fi
echo "$rc" > $O/exit.tmp && mv $O/exit.tmp $O/exit
sync
say "command exited with $rc"
poweroff -f
