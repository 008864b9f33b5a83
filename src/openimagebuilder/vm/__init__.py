"""Real VM builds with QEMU: bootable base disks, oib's own initramfs and guest agent, the QEMU
launcher, the agent client, overlays and flattening (docs/vm.md)."""
