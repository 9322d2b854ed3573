/**
 * The Windows backend of the hypervisor SPI: service VMs as Hyper-V utility VMs of the Host
 * Compute Service, driven through {@code computecore.dll} with JNA.
 *
 * <ul>
 *   <li>{@link io.layerd.servicevm.hcs.HcsHypervisor} creates an LCOW-style utility VM from
 *       {@link io.layerd.servicevm.hcs.LcowUvmDocument} (kernel and initrd booted directly, one
 *       empty SCSI controller, a Hyper-V socket service for the bridge) and starts it;</li>
 *   <li>{@link io.layerd.servicevm.hcs.HcsVirtualMachine} hot-adds and removes disks with
 *       {@link io.layerd.servicevm.hcs.ScsiModifyRequest}s, watches for the VM's exit, stops and
 *       closes it;</li>
 *   <li>{@link io.layerd.servicevm.hcs.HcsClient} is the only code that calls HCS, and the only
 *       place that runs its asynchronous operation protocol;</li>
 *   <li>the bridge is a Hyper-V socket: the host listens on the VM's runtime id and the vsock
 *       service of {@link io.layerd.servicevm.hcs.HvSocketIds#BRIDGE_PORT}, and the guest agent
 *       connects to it ({@link io.layerd.servicevm.hcs.HvSocketListener} over Winsock).</li>
 * </ul>
 *
 * <p>Native libraries load on first use and only on Windows; elsewhere
 * {@link io.layerd.servicevm.hcs.HcsHypervisor#start} fails with "HCS needs Windows 10 1809+ with
 * Hyper-V". Everything above the JNA declarations is tested on any platform against in-memory
 * fakes of computecore.dll and ws2_32.dll; what only a Windows host can confirm is listed in
 * {@code HCS-UNVERIFIED.md}.
 *
 * <p>The guest console is not captured: the VM has no COM port, and {@code console.log} in the
 * runtime directory says so.
 */
package io.layerd.servicevm.hcs;
