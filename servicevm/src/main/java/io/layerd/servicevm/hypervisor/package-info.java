/**
 * The hypervisor SPI: start a VM from boot files, hot-plug disks, reach the guest agent. The
 * service VM manager depends only on this package, never on a backend.
 */
package io.layerd.servicevm.hypervisor;
