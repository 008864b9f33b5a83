"""What runs inside a machine: the /init of oib's initramfs and the agent it starts.

The initramfs loads the virtio drivers, mounts the image's root file system and either starts the
agent in it (`oib.agent` on the kernel command line: a build or test instance) or hands over to
the image's own /sbin/init (a plain boot of an exported image). The agent is a POSIX sh script run
by the initramfs's static busybox from a tmpfs on the image's /run, so the image needs nothing
installed and keeps nothing of it.

Agent protocol, on the virtio-serial port `org.openimagebuilder.agent` (one request at a time;
lines end with \\n; paths travel base64-encoded):

    agent → host   READY <version>                      after boot and after every reboot
    host → agent   RUN <id> <n>  + n bytes of script    runs it with /bin/sh in a session of its own
    agent → host   O <id> <line> / E <id> <line>        its stdout / stderr, line by line, as it prints
                   X <id> <status>                      its exit status (128+signal when killed)
    host → agent   KILL <id>                            SIGKILL to the script's session (no reply of its own)
    host → agent   PUT <path> <mode|-> <n> <w|a> + n bytes   → OK | ERR <reason>   (w: replace, a: append)
    host → agent   GET <path>                            → SIZE <n> + n bytes | ERR <reason>
    host → agent   REBOOT | POWEROFF                     → OK, then the machine restarts / stops
    host → agent   PING                                  → PONG
"""
from __future__ import annotations

AGENT_PORT = "org.openimagebuilder.agent"
AGENT_VERSION = "1"
# Slirp's fixed addresses (QEMU user-mode network): the guest, the gateway, the DNS forwarder.
GUEST_ADDRESS, GATEWAY, DNS = "10.0.2.15/24", "10.0.2.2", "10.0.2.3"

INIT = r"""#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
case " $($B cat /proc/cmdline) " in *" oib.probe "*) $B poweroff -f ;; esac   # qemu.kvm_works: booted, done
fail() { echo "oib-init: $*" >/dev/console; $B sync; $B poweroff -f; $B sleep 1000000; }
root=/dev/vda1 agent=
for arg in $($B cat /proc/cmdline); do
  case $arg in root=*) root=${arg#root=} ;; oib.agent) agent=1 ;; esac
done
modules=/modules/order
[ -n "$agent" ] || modules="$modules /modules/standalone"   # a plain boot: IDE disks too
for module in $($B cat $modules); do $B insmod "/modules/$module" || echo "oib-init: insmod $module failed"; done
i=0 device=
while [ -z "$device" ] && [ $i -lt 200 ]; do   # root=/dev/... or root=LABEL=...
  case $root in /dev/*) [ -b "$root" ] && device=$root ;; *) device=$($B findfs "$root" 2>/dev/null) ;; esac
  [ -n "$device" ] || $B usleep 50000
  i=$((i + 1))
done
$B mount -t ext4 -o rw "$device" /newroot || fail "cannot mount $root"
if [ -z "$agent" ]; then
  $B umount /proc /sys
  $B mount --move /dev /newroot/dev 2>/dev/null || $B umount /dev
  exec $B switch_root /newroot /sbin/init
fi
$B mkdir -p /newroot/run /newroot/proc /newroot/sys /newroot/dev
$B mount -t tmpfs -o mode=0755,nosuid tmpfs /newroot/run || fail "cannot mount /run"
$B mkdir -p /newroot/run/oib
$B cp /bin/busybox /agent.sh /newroot/run/oib/
for fs in proc sys dev; do $B mount --move /$fs /newroot/$fs; done
exec $B switch_root /newroot /run/oib/busybox sh /run/oib/agent.sh
"""

AGENT = r"""# oib's guest agent (see openimagebuilder/vm/guest.py for the protocol).
B=/run/oib/busybox
W=/run/oib/work
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME
$B mkdir -p $W /dev/pts /dev/shm
$B mount -t devpts devpts /dev/pts 2>/dev/null
$B mount -t tmpfs -o mode=1777 tmpfs /dev/shm 2>/dev/null
$B hostname oib-instance
$B ip link set lo up 2>/dev/null
if [ -e /sys/class/net/eth0 ]; then
  $B ip link set eth0 up && $B ip addr add @GUEST_ADDRESS@ dev eth0 && $B ip route add default via @GATEWAY@
  [ -s /etc/resolv.conf ] || [ -L /etc/resolv.conf ] || echo "nameserver @DNS@" > /etc/resolv.conf
fi
port= i=0
while [ -z "$port" ] && [ $i -lt 100 ]; do  # the driver may still be setting the port up
  for entry in /sys/class/virtio-ports/*; do
    [ "$($B cat "$entry/name" 2>/dev/null)" = "@PORT@" ] && [ -c "/dev/${entry##*/}" ] && port=/dev/${entry##*/}
  done
  [ -n "$port" ] || $B usleep 50000
  i=$((i + 1))
done
[ -n "$port" ] || { echo "oib-agent: no port @PORT@" >/dev/console; $B poweroff -f; }
exec 3<>"$port"

receive() {  # $1: size, $2: file — exactly $1 bytes from the port into the file
  if [ "$1" -gt 0 ]; then $B dd of="$2" bs="$1" count=1 iflag=fullblock <&3 2>/dev/null; else : > "$2"; fi
}
path() { printf %s "$1" | $B base64 -d; }

run() {  # $1: id, $2: size
  receive "$2" "$W/$1.sh"
  (
    $B rm -f "$W/$1.o" "$W/$1.e"
    $B mkfifo "$W/$1.o" "$W/$1.e"
    $B awk -v p="O $1 " '{ print p $0; fflush() }' < "$W/$1.o" >&3 &
    out=$!
    $B awk -v p="E $1 " '{ print p $0; fflush() }' < "$W/$1.e" >&3 &
    err=$!
    $B setsid /bin/sh "$W/$1.sh" > "$W/$1.o" 2> "$W/$1.e" < /dev/null &
    script=$!
    echo $script > "$W/$1.pid"
    wait $script
    status=$?
    wait $out $err
    $B rm -f "$W/$1.o" "$W/$1.e" "$W/$1.sh" "$W/$1.pid"
    echo "X $1 $status" >&3
  ) &
}

put() {  # $1: path, $2: mode, $3: size, $4: w|a
  receive "$3" "$W/put"
  p=$(path "$1")
  if [ "$4" = a ]; then $B cat "$W/put" >> "$p"; else $B cat "$W/put" > "$p"; fi 2>"$W/put.err" || {
    echo "ERR $($B head -n 1 "$W/put.err")" >&3; return; }
  if [ "$2" != - ] && ! $B chmod "$2" "$p" 2>"$W/put.err"; then
    echo "ERR $($B head -n 1 "$W/put.err")" >&3; return
  fi
  echo OK >&3
}

get() {  # $1: path
  p=$(path "$1")
  if [ ! -f "$p" ] || ! $B cp "$p" "$W/get" 2>/dev/null; then echo "ERR cannot read $p" >&3; return; fi
  echo "SIZE $($B stat -c %s "$W/get")" >&3
  $B cat "$W/get" >&3
  $B rm -f "$W/get"
}

stop() {  # $1: reboot | poweroff
  echo OK >&3
  $B sync
  $B mount -o remount,ro / 2>/dev/null
  $B "$1" -f
}

echo "READY @VERSION@" >&3
while :; do
  if ! IFS= read -r line <&3; then $B usleep 200000; continue; fi
  set -f; set -- $line; set +f
  case "$1" in
    RUN) run "$2" "$3" ;;
    KILL) [ -f "$W/$2.pid" ] && kill -9 -- "-$($B cat "$W/$2.pid")" 2>/dev/null ;;
    PUT) put "$2" "$3" "$4" "$5" ;;
    GET) get "$2" ;;
    REBOOT) stop reboot ;;
    POWEROFF) stop poweroff ;;
    PING) echo PONG >&3 ;;
    *) echo "ERR unknown request $1" >&3 ;;
  esac
done
"""


def agent_script() -> str:
    return (AGENT.replace("@PORT@", AGENT_PORT).replace("@VERSION@", AGENT_VERSION)
            .replace("@GUEST_ADDRESS@", GUEST_ADDRESS).replace("@GATEWAY@", GATEWAY).replace("@DNS@", DNS))
