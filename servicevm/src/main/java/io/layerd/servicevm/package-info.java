/**
 * The Linux service VM platform (manager, hypervisor backends, bridge, guest agent). Built in a
 * later stage; the module exists now so that the dependency order of the build is fixed.
 */
package io.layerd.servicevm;
