/**
 * The Linux service VM platform: a {@link io.layerd.servicevm.manager.ServiceVmManager} that
 * runs VMs in global or per-instance lifetimes through a
 * {@link io.layerd.servicevm.hypervisor.Hypervisor} (QEMU on Linux, HCS on Windows), and the
 * bridge protocol spoken with the guest agent that runs inside each VM.
 */
package io.layerd.servicevm;
