#!/bin/sh
# Installs the Debian packages that real container and VM builds need, when they are missing;
# with --test (make test), also those the test suite needs (Chromium for the console's browser tests).
# Idempotent and quiet when everything is there (`make run` stays fast): `apt-get update` runs only
# when something must be installed. Only as root on Debian; anywhere else it installs nothing and
# says so — oib then names the missing package itself when a real build needs it.
set -eu

# tool on PATH : Debian package : why oib needs it
TOOLS="
buildah:buildah:builds container images (working containers, commit, bud, push)
runc:runc:the OCI runtime buildah runs build steps with (crun, the default, fails on hybrid cgroups)
skopeo:skopeo:imports the Debian base root filesystem and inspects registry images
docker-registry:docker-registry:the local OCI registry that stands in for ECR
mmdebstrap:mmdebstrap:builds the Debian base image offline from Debian's mirror
busybox:busybox-static:the tiny busybox base image (a static binary copied into an empty image)
newuidmap:uidmap:user-namespace id mapping buildah expects to find
qemu-system-x86_64:qemu-system-x86:runs the build and test machines of image recipes (AMIs)
qemu-img:qemu-utils:copy-on-write overlays of images and flattening them into AMIs
mkfs.ext4:e2fsprogs:makes the VM base's file system from a directory (mkfs.ext4 -d), without mounting it
sfdisk:fdisk:partitions the VM base disk
extlinux:extlinux:makes the VM base disk boot on its own (exported images boot in plain QEMU)
"
# Only for the tests (`make run` does not install them).
TEST_TOOLS="
chromium:chromium:the browser the console's tests drive (Playwright launches Debian's Chromium)
"
[ "${1:-}" = --test ] && TOOLS="$TOOLS$TEST_TOOLS"

missing=""
reasons=""
old_ifs=$IFS
IFS='
'
for entry in $TOOLS; do
    [ -n "$entry" ] || continue
    tool=${entry%%:*}
    rest=${entry#*:}
    package=${rest%%:*}
    why=${rest#*:}
    # busybox from the dynamic `busybox` package is not enough: the base image needs the static one.
    if [ "$tool" = busybox ]; then
        dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" && continue
    elif command -v "$tool" >/dev/null 2>&1; then
        continue
    fi
    missing="$missing $package"
    reasons="$reasons  $package: $why
"
done
IFS=$old_ifs

[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: real container and VM builds need these Debian packages, not installed:$missing" >&2
    printf '%s' "$reasons" >&2
    echo "      (install them as root: apt-get install$missing; the simulated backend works without them)" >&2
    exit 0
fi

echo "installing Debian packages for real container and VM builds:$missing"
printf '%s' "$reasons"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed:$missing"
